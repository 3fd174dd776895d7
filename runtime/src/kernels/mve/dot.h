// Dot products of int8 rows against four int8 filter rows, 16 lanes per VMLADAVA: the inner loop of
// FULLY_CONNECTED and CONV_2D (over the input rows, the pixels' channels or a gathered patch).
// Each 16 inputs are loaded once for the four rows; a last partial group of 16 is loaded with a
// tail predicate, whose inactive lanes read as zero and so add nothing.
#ifndef TINYFORGE_KERNELS_MVE_DOT_H_
#define TINYFORGE_KERNELS_MVE_DOT_H_

#include <stdint.h>

#include "kernels/mve/requantize.h"
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

// Channels c .. c + 3 (kTail: the first `left` of them) of `rows` output rows: row r's input at
// x + r * x_step, its output at y + r * y_step. The group's weight rows, biases and requantization
// constants are set up once for all rows. In a tail group the last existing filter row stands in
// for the missing ones (computed, not stored).
template <bool kTail, typename Requantizer>
void channel_group(const int8_t* x, int32_t x_step, int32_t rows, const int8_t* w, int32_t depth,
                   const int32_t* corrected_bias, int32_t c, int32_t left,
                   const Requantizer& shared_rq, int8_t* y, int32_t y_step) {
  const Requantizer rq = shared_rq;  // a local copy: the stores to y cannot change it
  const int8_t* last = w + (kTail ? left - 1 : 3) * depth;
  const int8_t* w1 = !kTail || left > 1 ? w + depth : last;
  const int8_t* w2 = !kTail || left > 2 ? w + 2 * depth : last;
  const mve_pred16_t p = vctp32q(static_cast<uint32_t>(left));
  const int32x4_t bias =
      kTail ? vldrwq_z_s32(corrected_bias + c, p) : vldrwq_s32(corrected_bias + c);
  const ChannelScales scales = rq.template scales<1, kTail>(c, p);
  y += c;
  for (int32_t r = 0; r < rows; ++r, x += x_step, y += y_step) {
    const int32x4_t out =
        rq.requantize(vaddq_s32(dot_rows(x, w, w1, w2, last, depth), bias), scales);
    if (kTail) {
      vstrbq_p_s32(y, out, p);
    } else {
      vstrbq_s32(y, out);
    }
  }
}

// out[r][c] for r < rows, c < channels: the dot product of input row r (x + r * x_step) with
// filter row c (filter + c * depth), added to corrected_bias[c] and requantized, at
// y + r * y_step + c. Channel groups outside, rows inside (see channel_group).
template <typename Requantizer>
void matrix_times_filter(const int8_t* x, int32_t x_step, int32_t rows, const int8_t* filter,
                         const int32_t* corrected_bias, int32_t depth, int32_t channels,
                         const Requantizer& rq, int8_t* y, int32_t y_step) {
  int32_t c = 0;
  for (; c + kRows <= channels; c += kRows) {
    channel_group<false>(x, x_step, rows, filter + static_cast<int64_t>(c) * depth, depth,
                         corrected_bias, c, kRows, rq, y, y_step);
  }
  if (c < channels) {
    channel_group<true>(x, x_step, rows, filter + static_cast<int64_t>(c) * depth, depth,
                        corrected_bias, c, channels - c, rq, y, y_step);
  }
}

}  // namespace mve
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MVE_DOT_H_
