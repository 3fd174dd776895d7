// MaxPool2D and AveragePool2D over NHWC with TFLite's padding: windows are clipped to the image,
// the average divides by the number of pixels inside it, and padding never wins a max. A fused
// activation, as TFLite's pool options allow, applies to the output.
//
// Max pooling sends each output's gradient to its window's first maximum. A training forward
// records that pixel per output (an int32 offset within the sample, kept bit for bit in a float
// tensor) so backward is a plain scatter; after an inference forward backward finds it again.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

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

// The rows and columns of a window that lie inside the image (never empty: TFLite's SAME padding
// is less than the window on each side).
struct Span {
  int64_t h0, h1, w0, w1;
  int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

Span clip(const Window& w, int64_t oh, int64_t ow) {
  const int64_t r = w.row0(oh), c = w.col0(ow);
  return {std::max<int64_t>(r, 0), std::min(r + w.k_h, w.in_h), std::max<int64_t>(c, 0),
          std::min(c + w.k_w, w.in_w)};
}

// Per channel, the window's maximum and the offset (within the sample) of its first occurrence,
// scanning rows then columns. Branch-free so the channel loop vectorizes.
void window_max(const float* image, const Window& w, const Span& s, float* best, int32_t* where) {
  const int64_t c = w.channels;
  const int32_t first = static_cast<int32_t>((s.h0 * w.in_w + s.w0) * c);
  for (int64_t i = 0; i < c; ++i) {
    best[i] = image[first + i];
    where[i] = first + static_cast<int32_t>(i);
  }
  for (int64_t ih = s.h0; ih < s.h1; ++ih) {
    for (int64_t iw = s.w0; iw < s.w1; ++iw) {
      const int32_t offset = static_cast<int32_t>((ih * w.in_w + iw) * c);
      const float* pixel = image + offset;
      for (int64_t i = 0; i < c; ++i) {
        const bool larger = pixel[i] > best[i];
        best[i] = larger ? pixel[i] : best[i];
        where[i] = larger ? offset + static_cast<int32_t>(i) : where[i];
      }
    }
  }
}

void max_forward(ForwardContext& ctx) {
  const Tensor& input = *ctx.inputs[0];
  const Window w = check(ctx.node, ctx.inputs.size(), input);
  const int64_t c = w.channels, per_sample = w.out_h * w.out_w * c;
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, c});
  float* argmax = nullptr;
  if (ctx.training) {
    ctx.saved.resize(1);
    ensure_shape(ctx.saved[0], y.shape());
    argmax = ctx.saved[0].data();
  } else {
    ctx.saved.clear();
  }
  const graph::Activation act = ctx.node.attrs.activation;
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    std::vector<int32_t> where(c);
    for (int64_t n = begin; n < end; ++n) {
      const float* image = input.data() + n * w.in_h * w.in_w * c;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const int64_t o = n * per_sample + (oh * w.out_w + ow) * c;
          window_max(image, w, clip(w, oh, ow), y.data() + o, where.data());
          if (argmax) {
            for (int64_t i = 0; i < c; ++i) argmax[o + i] = std::bit_cast<float>(where[i]);
          }
        }
      }
      apply_activation(act, y.data() + n * per_sample, per_sample);
    }
  });
}

// What both backward passes start from; `dx` is null when the input needs no gradient.
struct BackwardGeometry {
  Window w;
  Tensor* dx;
  int64_t c, per_sample, in_per_sample;
};

BackwardGeometry backward_geometry(BackwardContext& ctx) {
  const Window w = check(ctx.node, ctx.inputs.size(), *ctx.inputs[0]);
  const int64_t c = w.channels;
  return {w, input_grad(ctx, 0), c, w.out_h * w.out_w * c, w.in_h * w.in_w * c};
}

void max_backward(BackwardContext& ctx) {
  const Tensor& input = *ctx.inputs[0];
  const auto [w, dx, c, per_sample, in_per_sample] = backward_geometry(ctx);
  if (!dx) return;
  const float* argmax = ctx.saved.size() == 1 && ctx.saved[0].shape() == ctx.outputs[0]->shape()
                            ? ctx.saved[0].data()
                            : nullptr;
  // Threads split the batch: windows of one sample may overlap and so stay in one thread.
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    graph::FloatStorage best(argmax ? 0 : c);
    std::vector<int32_t> where(c);
    graph::FloatStorage masked(per_sample);
    for (int64_t n = begin; n < end; ++n) {
      const float* g =
          pre_activation_grad_range(ctx, n * per_sample, (n + 1) * per_sample, masked.data());
      const float* image = input.data() + n * in_per_sample;
      float* d_image = dx->data() + n * in_per_sample;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const int64_t o = (oh * w.out_w + ow) * c;
          if (argmax) {
            for (int64_t i = 0; i < c; ++i) {
              where[i] = std::bit_cast<int32_t>(argmax[n * per_sample + o + i]);
            }
          } else {
            window_max(image, w, clip(w, oh, ow), best.data(), where.data());
          }
          for (int64_t i = 0; i < c; ++i) d_image[where[i]] += g[o + i];
        }
      }
    }
  });
}

void average_forward(ForwardContext& ctx) {
  const Tensor& input = *ctx.inputs[0];
  const Window w = check(ctx.node, ctx.inputs.size(), input);
  const int64_t c = w.channels, per_sample = w.out_h * w.out_w * c;
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, c});
  const graph::Activation act = ctx.node.attrs.activation;
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const float* image = input.data() + n * w.in_h * w.in_w * c;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          float* out = y.data() + n * per_sample + (oh * w.out_w + ow) * c;
          const Span s = clip(w, oh, ow);
          std::fill(out, out + c, 0.0f);
          for (int64_t ih = s.h0; ih < s.h1; ++ih) {
            for (int64_t iw = s.w0; iw < s.w1; ++iw) {
              const float* pixel = image + (ih * w.in_w + iw) * c;
              for (int64_t i = 0; i < c; ++i) out[i] += pixel[i];
            }
          }
          const float scale = 1.0f / static_cast<float>(s.count());
          for (int64_t i = 0; i < c; ++i) out[i] *= scale;
        }
      }
      apply_activation(act, y.data() + n * per_sample, per_sample);
    }
  });
}

void average_backward(BackwardContext& ctx) {
  const auto [w, dx, c, per_sample, in_per_sample] = backward_geometry(ctx);
  if (!dx) return;
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    graph::FloatStorage masked(per_sample);
    for (int64_t n = begin; n < end; ++n) {
      const float* g =
          pre_activation_grad_range(ctx, n * per_sample, (n + 1) * per_sample, masked.data());
      float* d_image = dx->data() + n * in_per_sample;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const float* grad = g + (oh * w.out_w + ow) * c;
          const Span s = clip(w, oh, ow);
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
  });
}

}  // namespace

const OpKernel& max_pool_kernel() {
  static const OpKernel kernel{max_forward, max_backward};
  return kernel;
}

const OpKernel& average_pool_kernel() {
  static const OpKernel kernel{average_forward, average_backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
