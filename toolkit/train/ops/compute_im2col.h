// im2col / col2im for NHWC convolution with TFLite's [out, kh, kw, in] filters: row
// (n, oh, ow) of the column matrix holds the window's pixels in (kh, kw, c) order, which is
// exactly a filter row, so convolution is one GEMM: y[P, out] = col[P, K] * filter[out, K]^T.
// Pixels falling into the padding are zeros.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_

#include <algorithm>
#include <cstdint>

#include "toolkit/train/ops/compute_window.h"

namespace tinyforge::train::compute {

// Columns of samples [n_begin, n_end): `col` receives their out_h * out_w rows each, every element
// written. Single-threaded: the caller splits the batch among threads.
inline void im2col(const float* x, const Window& w, int64_t n_begin, int64_t n_end, float* col) {
  const int64_t c = w.channels;
  float* out = col;
  for (int64_t n = n_begin; n < n_end; ++n) {
    const float* image = x + n * w.in_h * w.in_w * c;
    for (int64_t oh = 0; oh < w.out_h; ++oh) {
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        for (int64_t kh = 0; kh < w.k_h; ++kh) {
          const int64_t ih = w.row0(oh) + kh * w.dilation_h;
          for (int64_t kw = 0; kw < w.k_w; ++kw, out += c) {
            const int64_t iw = w.col0(ow) + kw * w.dilation_w;
            if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) {
              std::fill(out, out + c, 0.0f);
            } else {
              // A loop, not memcpy: first layers have one or three channels.
              const float* pixel = image + (ih * w.in_w + iw) * c;
              for (int64_t i = 0; i < c; ++i) out[i] = pixel[i];
            }
          }
        }
      }
    }
  }
}

// dx (same layout as x) += the column gradients of samples [n_begin, n_end) (`dcol` points at
// their first row) scattered back to their pixels. Single-threaded, like im2col.
inline void col2im_add(const float* dcol, const Window& w, int64_t n_begin, int64_t n_end,
                       float* dx) {
  const int64_t c = w.channels;
  const float* in = dcol;
  for (int64_t n = n_begin; n < n_end; ++n) {
    float* image = dx + n * w.in_h * w.in_w * c;
    for (int64_t oh = 0; oh < w.out_h; ++oh) {
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        for_each_tap(w, oh, ow, [&](int64_t p, int64_t k) {
          float* pixel = image + p * c;
          const float* grad = in + k * c;
          for (int64_t i = 0; i < c; ++i) pixel[i] += grad[i];
        });
        in += w.k_h * w.k_w * c;
      }
    }
  }
}

}  // namespace tinyforge::train::compute

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_IM2COL_H_
