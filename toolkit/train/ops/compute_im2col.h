// im2col / col2im for NHWC convolution with TFLite's [out, kh, kw, in] filters: row
// (n, oh, ow) of the column matrix holds the window's pixels in (kh, kw, c) order, which is
// exactly a filter row, so convolution is one GEMM: y[P, out] = col[P, K] * filter[out, K]^T.
// Pixels falling into the padding are zeros.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "toolkit/train/ops/compute_window.h"

namespace tinyforge::train::compute {

// col: [N * out_h * out_w, k_h * k_w * channels], every element written.
inline void im2col(const float* x, const Window& w, float* col) {
  const int64_t c = w.channels;
  const int64_t row_len = w.k_h * w.k_w * c;
  const int64_t rows = w.batch * w.out_h;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r / w.out_h, oh = r % w.out_h;
    const float* image = x + n * w.in_h * w.in_w * c;
    float* out = col + r * w.out_w * row_len;
    for (int64_t ow = 0; ow < w.out_w; ++ow) {
      for (int64_t kh = 0; kh < w.k_h; ++kh) {
        const int64_t ih = w.row0(oh) + kh * w.dilation_h;
        for (int64_t kw = 0; kw < w.k_w; ++kw, out += c) {
          const int64_t iw = w.col0(ow) + kw * w.dilation_w;
          if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) {
            std::fill(out, out + c, 0.0f);
          } else {
            std::memcpy(out, image + (ih * w.in_w + iw) * c, sizeof(float) * c);
          }
        }
      }
    }
  }
}

// dx (same layout as x) += the column gradients scattered back to their pixels. Samples are
// independent, so threads split the batch; windows of one sample overlap and stay in one thread.
inline void col2im_add(const float* dcol, const Window& w, float* dx) {
  const int64_t c = w.channels;
  const int64_t row_len = w.k_h * w.k_w * c;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < w.batch; ++n) {
    float* image = dx + n * w.in_h * w.in_w * c;
    const float* in = dcol + n * w.out_h * w.out_w * row_len;
    for (int64_t oh = 0; oh < w.out_h; ++oh) {
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        for (int64_t kh = 0; kh < w.k_h; ++kh) {
          const int64_t ih = w.row0(oh) + kh * w.dilation_h;
          for (int64_t kw = 0; kw < w.k_w; ++kw, in += c) {
            const int64_t iw = w.col0(ow) + kw * w.dilation_w;
            if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) continue;
            float* pixel = image + (ih * w.in_w + iw) * c;
            for (int64_t i = 0; i < c; ++i) pixel[i] += in[i];
          }
        }
      }
    }
  }
}

}  // namespace tinyforge::train::compute

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_
