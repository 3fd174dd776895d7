// Helpers shared by the pooling, reduction and resize kernels: TFLite's output-size and padding
// arithmetic for windowed ops, and reading small constant integer tensors (axes, sizes).
#ifndef TINYFORGE_KERNELS_POOL_COMMON_H_
#define TINYFORGE_KERNELS_POOL_COMMON_H_

#include <stdint.h>
#include <string.h>

#include "tflite_generated.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// The output extent of a window of `filter` taps moved by `stride` over `in` elements, as TFLite
// computes it (SAME: ceil(in / stride); VALID: (in - filter + stride) / stride, truncated).
// 64-bit so absurd options cannot overflow; the caller rejects results below one.
inline int64_t pool_output_size(tflite::Padding padding, int64_t in, int64_t filter,
                                int64_t stride) {
  if (padding == tflite::Padding::SAME) return (in + stride - 1) / stride;
  return (in - filter + stride) / stride;
}

// Padding before the first element: half the total padding needed (rounded down), never negative.
inline int64_t pool_padding(int64_t in, int64_t filter, int64_t stride, int64_t out) {
  const int64_t total = (out - 1) * stride + filter - in;
  return total > 0 ? total / 2 : 0;
}

// Element i of a constant int32 or int64 tensor (constant data may be unaligned).
inline int64_t read_index(const TensorView& t, int64_t i) {
  if (t.type == DataType::kInt64) {
    int64_t v;
    memcpy(&v, static_cast<const uint8_t*>(t.data) + 8 * i, sizeof(v));
    return v;
  }
  int32_t v;
  memcpy(&v, static_cast<const uint8_t*>(t.data) + 4 * i, sizeof(v));
  return v;
}

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_POOL_COMMON_H_
