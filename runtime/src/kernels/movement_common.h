// Helpers shared by the data movement kernels (reshape family, pad, strided slice, transpose,
// concatenation, split, pack/unpack). These ops only move elements: they never change values,
// so every dtype the runtime can hold is moved by its byte size, and quantized tensors must
// keep the same scale and zero point from input to output.
#ifndef TINYFORGE_KERNELS_MOVEMENT_COMMON_H_
#define TINYFORGE_KERNELS_MOVEMENT_COMMON_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/kernel.h"

namespace tinyforge {
namespace movement {

// Product of dims[from..to).
inline int64_t dims_product(const int32_t* dims, int from, int to) {
  int64_t n = 1;
  for (int i = from; i < to; ++i) n *= dims[i];
  return n;
}

// A dtype these ops can move: anything with a fixed element size.
inline bool movable(DataType type) { return type != DataType::kNone && dtype_size(type) > 0; }

inline bool is_quantized_type(DataType type) {
  return type == DataType::kInt8 || type == DataType::kUInt8 || type == DataType::kInt16;
}

// Identical quantization parameters (count, scales and zero points).
inline bool same_quantization(const TensorView& a, const TensorView& b) {
  if (a.num_scales != b.num_scales) return false;
  for (int c = 0; c < a.num_scales; ++c) {
    if (a.scale(c) != b.scale(c) || a.zero_point(c) != b.zero_point(c)) return false;
  }
  return true;
}

// Checks that `value` has a movable dtype and the same dtype (and, for quantized dtypes, the
// same quantization) as `reference`. `what` names the operand in messages ("input 1").
inline Status check_like(OpContext& ctx, const TensorView& value, const TensorView& reference,
                         const char* what) {
  if (!movable(reference.type)) {
    ctx.fail(Status::kUnsupported, "unsupported dtype ");
    ctx.message().add(dtype_name(reference.type));
    return Status::kUnsupported;
  }
  if (value.type != reference.type) {
    ctx.fail(Status::kMalformedModel, what);
    ctx.message().add(" has dtype ").add(dtype_name(value.type)).add(", expected ");
    ctx.message().add(dtype_name(reference.type));
    return Status::kMalformedModel;
  }
  if (is_quantized_type(reference.type) && !same_quantization(value, reference)) {
    ctx.fail(Status::kUnsupported, what);
    ctx.message().add(" must have the same scale and zero point as the output");
    return Status::kUnsupported;
  }
  return Status::kOk;
}

// Reads element i of a constant int32 or int64 index tensor (prepare validated the dtype).
inline int64_t index_value(const TensorView& t, int64_t i) {
  if (t.type == DataType::kInt64) {
    int64_t v;
    memcpy(&v, static_cast<const uint8_t*>(t.data) + 8 * i, sizeof(v));
    return v;
  }
  return t.as<const int32_t>()[i];
}

inline bool is_index_type(DataType type) {
  return type == DataType::kInt32 || type == DataType::kInt64;
}

// Copies `count` blocks of `block` bytes from `in` (advancing by in_stride bytes) to `out`
// (advancing by out_stride bytes).
inline void copy_blocks(const uint8_t* in, size_t in_stride, uint8_t* out, size_t out_stride,
                        int64_t count, size_t block) {
  if (block == 0) return;
  for (int64_t i = 0; i < count; ++i) {
    memcpy(out, in, block);
    in += in_stride;
    out += out_stride;
  }
}

// Gathers a rank-`rank` block of elements into `out` in row-major order: output index
// (i0, i1, ...) reads in[i0 * steps[0] + i1 * steps[1] + ...] (steps in elements, any sign),
// with counts[k] indices along axis k. Used by STRIDED_SLICE and TRANSPOSE.
template <typename T>
T* gather_axis(int rank, const int32_t* counts, const int64_t* steps, int axis, const T* in,
               T* out) {
  if (axis == rank - 1) {
    if (steps[axis] == 1) {
      memcpy(out, in, sizeof(T) * static_cast<size_t>(counts[axis]));
      return out + counts[axis];
    }
    for (int32_t i = 0; i < counts[axis]; ++i) *out++ = in[i * steps[axis]];
    return out;
  }
  for (int32_t i = 0; i < counts[axis]; ++i)
    out = gather_axis(rank, counts, steps, axis + 1, in + i * steps[axis], out);
  return out;
}

template <typename T>
void gather_typed(int rank, const int32_t* counts, const int64_t* steps, const void* in,
                  void* out) {
  if (rank == 0) {
    *static_cast<T*>(out) = *static_cast<const T*>(in);
    return;
  }
  gather_axis(rank, counts, steps, 0, static_cast<const T*>(in), static_cast<T*>(out));
}

// gather_axis for elements of `element_size` bytes (1, 2, 4 or 8), moved as raw bytes.
inline void gather_strided(int32_t element_size, int rank, const int32_t* counts,
                           const int64_t* steps, const void* in, void* out) {
  switch (element_size) {
    case 1:
      gather_typed<uint8_t>(rank, counts, steps, in, out);
      break;
    case 2:
      gather_typed<uint16_t>(rank, counts, steps, in, out);
      break;
    case 4:
      gather_typed<uint32_t>(rank, counts, steps, in, out);
      break;
    default:
      gather_typed<uint64_t>(rank, counts, steps, in, out);
      break;
  }
}

}  // namespace movement
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MOVEMENT_COMMON_H_
