// Helpers shared by the pooling, reduction and resize kernels: TFLite's output-size and padding
// arithmetic for windowed ops, and reading small constant integer tensors (axes, sizes).
#ifndef TINYFORGE_KERNELS_POOL_COMMON_H_
#define TINYFORGE_KERNELS_POOL_COMMON_H_

#include <stdint.h>
#include <string.h>

#include "kernels/kernel.h"
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

// The persistent state of the reference AVERAGE_POOL_2D and MAX_POOL_2D (their first allocation),
// which the fast pooling kernels read too.
struct PoolData {
  int32_t batches, in_h, in_w, depth, out_h, out_w;
  int32_t stride_h, stride_w, filter_h, filter_w, pad_h, pad_w;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

// The state narrowed to the band of rows `band` (null: the whole image) describes, batch 1.
inline PoolData in_band(const PoolData& d, const RowBand* band) {
  PoolData banded = d;
  if (band == nullptr) return banded;
  banded.in_h = band->in_rows;
  banded.out_h = band->out_rows;
  banded.pad_h = band->pad_top;
  return banded;
}

// The part of the window at output (oy, ox) that lies inside the input: rows [y0, y1), columns
// [x0, x1), in input coordinates.
struct PoolWindow {
  int32_t y0, y1, x0, x1;
};

inline PoolWindow window_at(const PoolData& d, int32_t oy, int32_t ox) {
  const int64_t origin_y = static_cast<int64_t>(oy) * d.stride_h - d.pad_h;
  const int64_t origin_x = static_cast<int64_t>(ox) * d.stride_w - d.pad_w;
  const int64_t y0 = origin_y < 0 ? 0 : origin_y;
  const int64_t x0 = origin_x < 0 ? 0 : origin_x;
  int64_t y1 = origin_y + d.filter_h, x1 = origin_x + d.filter_w;
  if (y1 > d.in_h) y1 = d.in_h;
  if (x1 > d.in_w) x1 = d.in_w;
  return PoolWindow{static_cast<int32_t>(y0), static_cast<int32_t>(y1), static_cast<int32_t>(x0),
                    static_cast<int32_t>(x1)};
}

// TFLite's quantized average: the sum over `count` values rounded half away from zero by integer
// division, clamped to the activation range.
inline int32_t rounded_average(int64_t sum, int32_t count, int32_t act_min, int32_t act_max) {
  if (count == 0) count = 1;  // unreachable for a validated shape; keeps division defined
  const int64_t half = count / 2;
  const int64_t avg = sum > 0 ? (sum + half) / count : (sum - half) / count;
  return avg < act_min ? act_min : (avg > act_max ? act_max : static_cast<int32_t>(avg));
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
