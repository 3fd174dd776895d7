// MaxPool2D and AveragePool2D over NHWC with TFLite's padding: windows are clipped to the image,
// the average divides by the number of pixels inside it, and padding never wins a max. Max-pool
// backward recomputes each window's first maximum instead of keeping indices (cheap, and nothing
// to store per batch). A fused activation, as TFLite's pool options allow, applies to the output.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_kernels.h"
#include "toolkit/train/ops/compute_window.h"

namespace tinyforge::train::compute {
namespace {

Window check(const graph::Node& node, size_t input_count, const Tensor& x) {
  expect_input_count(node, input_count, 1, 1);
  const graph::Attributes& a = node.attrs;
  return make_window(node, x.shape(), a.filter_h, a.filter_w, 1, 1);
}

// The rows and columns of a window that lie inside the image.
struct Span {
  int64_t h0, h1, w0, w1;
  int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

Span clip(const Window& w, int64_t oh, int64_t ow) {
  const int64_t r = w.row0(oh), c = w.col0(ow);
  return {std::max<int64_t>(r, 0), std::min(r + w.k_h, w.in_h), std::max<int64_t>(c, 0),
          std::min(c + w.k_w, w.in_w)};
}

template <bool kMax>
void forward(ForwardContext& ctx) {
  const Tensor& input = *ctx.inputs[0];
  const Window w = check(ctx.node, ctx.inputs.size(), input);
  const int64_t c = w.channels;
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, c});
  const float* x = input.data();
  float* out_base = y.data();
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t r = begin * w.out_h; r < end * w.out_h; ++r) {
      const int64_t n = r / w.out_h, oh = r % w.out_h;
      const float* image = x + n * w.in_h * w.in_w * c;
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        float* out = out_base + (r * w.out_w + ow) * c;
        const Span s = clip(w, oh, ow);
        std::fill(out, out + c, kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
        for (int64_t ih = s.h0; ih < s.h1; ++ih) {
          for (int64_t iw = s.w0; iw < s.w1; ++iw) {
            const float* pixel = image + (ih * w.in_w + iw) * c;
            for (int64_t i = 0; i < c; ++i)
              out[i] = kMax ? std::max(out[i], pixel[i]) : out[i] + pixel[i];
          }
        }
        if (!kMax) {
          const float scale = 1.0f / static_cast<float>(s.count());
          for (int64_t i = 0; i < c; ++i) out[i] *= scale;
        }
      }
    }
  });
  apply_activation(ctx.node.attrs.activation, y);
}

template <bool kMax>
void backward(BackwardContext& ctx) {
  const Tensor& input = *ctx.inputs[0];
  const Window w = check(ctx.node, ctx.inputs.size(), input);
  Tensor* dx_tensor = input_grad(ctx, 0);
  if (!dx_tensor) return;
  const int64_t c = w.channels;
  std::vector<float> masked;
  const float* g = pre_activation_grad(ctx, masked);
  const float* x = input.data();
  float* dx = dx_tensor->data();
  // Threads split the batch: windows of one sample may overlap and so stay in one thread.
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    std::vector<float> best(kMax ? c : 0);
    std::vector<int32_t> where(kMax ? c : 0);  // pixel offsets within one sample
    for (int64_t n = begin; n < end; ++n) {
      const float* image = x + n * w.in_h * w.in_w * c;
      float* d_image = dx + n * w.in_h * w.in_w * c;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const float* grad = g + ((n * w.out_h + oh) * w.out_w + ow) * c;
          const Span s = clip(w, oh, ow);
          if (kMax) {
            // The window's first maximum, as forward's std::max keeps it; branch-free so the
            // channel loop vectorizes.
            const int32_t first = static_cast<int32_t>((s.h0 * w.in_w + s.w0) * c);
            std::copy(image + first, image + first + c, best.begin());
            std::fill(where.begin(), where.end(), first);
            for (int64_t ih = s.h0; ih < s.h1; ++ih) {
              for (int64_t iw = s.w0; iw < s.w1; ++iw) {
                const int32_t offset = static_cast<int32_t>((ih * w.in_w + iw) * c);
                const float* pixel = image + offset;
                for (int64_t i = 0; i < c; ++i) {
                  const bool larger = pixel[i] > best[i];
                  best[i] = larger ? pixel[i] : best[i];
                  where[i] = larger ? offset : where[i];
                }
              }
            }
            for (int64_t i = 0; i < c; ++i) d_image[where[i] + i] += grad[i];
          } else {
            const float scale = 1.0f / static_cast<float>(s.count());
            for (int64_t ih = s.h0; ih < s.h1; ++ih) {
              for (int64_t iw = s.w0; iw < s.w1; ++iw) {
                float* d_pixel = d_image + (ih * w.in_w + iw) * c;
                for (int64_t i = 0; i < c; ++i) d_pixel[i] += grad[i] * scale;
              }
            }
          }
        }
      }
    }
  });
}

}  // namespace

const OpKernel& max_pool_kernel() {
  static const OpKernel kernel{forward<true>, backward<true>};
  return kernel;
}

const OpKernel& average_pool_kernel() {
  static const OpKernel kernel{forward<false>, backward<false>};
  return kernel;
}

}  // namespace tinyforge::train::compute
