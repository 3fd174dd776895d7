// Dot products of one int8 vector against four int8 rows, 16 lanes per VMLADAVA: the inner loop of
// FULLY_CONNECTED and CONV_2D (over the input row, the pixel's channels or its gathered patch).
// Each 16 inputs are loaded once for the four rows; a last partial group of 16 is loaded with a
// tail predicate, whose inactive lanes read as zero and so add nothing.
#ifndef TINYFORGE_KERNELS_MVE_DOT_H_
#define TINYFORGE_KERNELS_MVE_DOT_H_

#include <stdint.h>

#include "kernels/mve/vector.h"

namespace tinyforge {
namespace mve {

constexpr int kRows = 4;

// The four sums sum_k x[k] * w_r[k] over k < depth as the lanes of one vector, wrapping modulo
// 2^32.
inline int32x4_t dot_rows(const int8_t* x, const int8_t* w0, const int8_t* w1, const int8_t* w2,
                          const int8_t* w3, int32_t depth) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int32_t n = depth >> 4; n > 0; --n) {
    const int8x16_t xv = vldrbq_s8(x);
    a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w0));
    a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w1));
    a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w2));
    a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w3));
    x += 16;
    w0 += 16;
    w1 += 16;
    w2 += 16;
    w3 += 16;
  }
  if ((depth & 15) != 0) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(depth & 15));
    const int8x16_t xv = vldrbq_z_s8(x, p);
    a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w0, p));
    a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1, p));
    a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2, p));
    a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3, p));
  }
  int32x4_t sums = vdupq_n_s32(a0);
  sums = vsetq_lane_s32(a1, sums, 1);
  sums = vsetq_lane_s32(a2, sums, 2);
  return vsetq_lane_s32(a3, sums, 3);
}

// Every output channel of one output row: four channels per dot_rows pass (filter row c at
// filter + c * depth), added to the corrected biases and requantized into y. `rq` is taken by
// value so the compiler may keep its constants in registers across the stores to y.
template <typename Requantizer>
void output_channels(const int8_t* x, const int8_t* filter, const int32_t* corrected_bias,
                     int32_t depth, int32_t channels, const Requantizer rq, int8_t* y) {
  int32_t c = 0;
  const int8_t* w = filter;
  for (; c + kRows <= channels; c += kRows, w += kRows * depth) {
    const int32x4_t acc = vaddq_s32(dot_rows(x, w, w + depth, w + 2 * depth, w + 3 * depth, depth),
                                    vldrwq_s32(corrected_bias + c));
    rq.template store<1, false>(acc, c, y + c, 0xFFFF);
  }
  if (c == channels) return;
  // One to three channels left: the last row stands in for the missing ones, computed and not
  // stored.
  const int32_t left = channels - c;
  const int8_t* last = w + (left - 1) * depth;
  const int32x4_t sums =
      dot_rows(x, w, left > 1 ? w + depth : last, left > 2 ? w + 2 * depth : last, last, depth);
  const mve_pred16_t p = vctp32q(static_cast<uint32_t>(left));
  rq.template store<1, true>(vaddq_s32(sums, vldrwq_z_s32(corrected_bias + c, p)), c, y + c, p);
}

}  // namespace mve
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MVE_DOT_H_
