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

// acc[r] += sum_k x[k] * rows[r][k] for k < depth, wrapping modulo 2^32.
inline void dot_rows(const int8_t* x, const int8_t* const rows[kRows], int32_t depth,
                     int32_t acc[kRows]) {
  const int8_t *w0 = rows[0], *w1 = rows[1], *w2 = rows[2], *w3 = rows[3];
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  int32_t left = depth;
  for (; left >= 16; left -= 16, x += 16, w0 += 16, w1 += 16, w2 += 16, w3 += 16) {
    const int8x16_t xv = vldrbq_s8(x);
    a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w0));
    a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w1));
    a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w2));
    a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w3));
  }
  if (left > 0) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(left));
    const int8x16_t xv = vldrbq_z_s8(x, p);
    a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w0, p));
    a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1, p));
    a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2, p));
    a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3, p));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// Output channels c .. c + 3 of one output row: starts from the corrected biases, takes the
// weight rows (filter row r at filter + r * depth; past the last channel the last row repeats,
// computed and not stored), and requantizes into y[c ..].
template <typename Requantizer>
void output_channels(const int8_t* x, const int8_t* filter, const int32_t* corrected_bias,
                     int32_t depth, int32_t channels, const Requantizer& rq, int8_t* y) {
  for (int32_t c = 0; c < channels; c += kRows) {
    const int8_t* rows[kRows];
    int32_t acc[kRows];
    for (int r = 0; r < kRows; ++r) {
      const int32_t channel = c + r < channels ? c + r : channels - 1;
      rows[r] = filter + static_cast<int64_t>(channel) * depth;
      acc[r] = corrected_bias[channel];
    }
    dot_rows(x, rows, depth, acc);
    rq.store(acc, c, y + c, vctp32q(static_cast<uint32_t>(channels - c)));
  }
}

}  // namespace mve
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MVE_DOT_H_
