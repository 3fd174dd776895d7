// DepthwiseConv2D with TFLite's filter [1, kh, kw, C * multiplier]: output channel c * m + j reads
// input channel c. Direct loops vectorized over channels (a depthwise layer has too little work
// per pixel for im2col + GEMM to pay); threads split the batch. Weight gradients are summed per
// block of samples and added in block order, so no two threads write the same memory.
#include <algorithm>
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_kernels.h"
#include "toolkit/train/ops/compute_window.h"

namespace tinyforge::train::compute {
namespace {

// Blocks of samples for backward, each with its own filter-gradient sums.
constexpr int64_t kMaxBlocks = 32;

struct Geometry {
  Window window;
  int64_t out_channels;
  int64_t multiplier;
};

Geometry check(const graph::Node& node, const std::vector<const Tensor*>& in) {
  expect_input_count(node, in.size(), 2, 3);
  const Tensor& x = *in[0];
  const Tensor& f = *in[1];
  if (x.rank() != 4) {
    fail(node, "input has shape " + graph::shape_string(x.shape()) + ", expected [N, H, W, C]");
  }
  if (f.rank() != 4 || f.dim(0) != 1 || x.dim(3) <= 0 || f.dim(3) % x.dim(3) != 0 ||
      f.dim(3) == 0) {
    fail(node, "filter has shape " + graph::shape_string(f.shape()) + ", expected [1, kh, kw, " +
                   std::to_string(x.dim(3)) + " * multiplier]");
  }
  Geometry g;
  g.window = make_window(node, x.shape(), f.dim(1), f.dim(2), node.attrs.dilation_h,
                         node.attrs.dilation_w);
  g.out_channels = f.dim(3);
  g.multiplier = f.dim(3) / x.dim(3);
  if (in.size() == 3) expect_shape(node, *in[2], {g.out_channels}, "bias");
  return g;
}

void forward(ForwardContext& ctx) {
  const Geometry g = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  const Window& w = g.window;
  const int64_t c_in = w.channels, c_out = g.out_channels, m = g.multiplier;
  const float* x = ctx.inputs[0]->data();
  const float* filter = ctx.inputs[1]->data();
  const float* bias = ctx.inputs.size() == 3 ? ctx.inputs[2]->data() : nullptr;
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, c_out});
  float* out_base = y.data();
  for_each_block(w.batch, w.batch, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t r = begin * w.out_h; r < end * w.out_h; ++r) {
      const int64_t n = r / w.out_h, oh = r % w.out_h;
      const float* image = x + n * w.in_h * w.in_w * c_in;
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        float* out = out_base + (r * w.out_w + ow) * c_out;
        for (int64_t o = 0; o < c_out; ++o) out[o] = bias ? bias[o] : 0.0f;
        for_each_tap(w, oh, ow, [&](int64_t p, int64_t k) {
          const float* pixel = image + p * c_in;
          const float* taps = filter + k * c_out;
          if (m == 1) {
            for (int64_t c = 0; c < c_in; ++c) out[c] += pixel[c] * taps[c];
          } else {
            for (int64_t o = 0; o < c_out; ++o) out[o] += pixel[o / m] * taps[o];
          }
        });
      }
    }
  });
  apply_activation(ctx.node.attrs.activation, y);
}

void backward(BackwardContext& ctx) {
  const Geometry geo = check(ctx.node, ctx.inputs);
  const Window& w = geo.window;
  const int64_t c_in = w.channels, c_out = geo.out_channels, m = geo.multiplier;
  graph::FloatStorage masked;
  const float* g = pre_activation_grad(ctx, masked);
  const float* x = ctx.inputs[0]->data();
  const float* filter = ctx.inputs[1]->data();
  Tensor* dx = input_grad(ctx, 0);
  Tensor* df = input_grad(ctx, 1);
  Tensor* db = input_grad(ctx, 2);
  const int64_t filter_size = w.k_h * w.k_w * c_out;
  // Per block of samples: filter gradient, then bias gradient.
  const int64_t blocks = std::min<int64_t>(w.batch, kMaxBlocks);
  Matrix partial = Matrix::Zero(std::max<int64_t>(blocks, 1), filter_size + c_out);

  for_each_block(w.batch, blocks, [&](int64_t b, int64_t begin, int64_t end) {
    float* my_df = partial.row(b).data();
    float* my_db = my_df + filter_size;
    for (int64_t n = begin; n < end; ++n) {
      const float* image = x + n * w.in_h * w.in_w * c_in;
      float* d_image = dx ? dx->data() + n * w.in_h * w.in_w * c_in : nullptr;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const float* grad = g + ((n * w.out_h + oh) * w.out_w + ow) * c_out;
          for (int64_t o = 0; o < c_out; ++o) my_db[o] += grad[o];
          for_each_tap(w, oh, ow, [&](int64_t p, int64_t k) {
            const float* pixel = image + p * c_in;
            const float* taps = filter + k * c_out;
            float* d_taps = my_df + k * c_out;
            if (m == 1) {
              for (int64_t c = 0; c < c_in; ++c) d_taps[c] += grad[c] * pixel[c];
              if (d_image) {
                float* d_pixel = d_image + p * c_in;
                for (int64_t c = 0; c < c_in; ++c) d_pixel[c] += grad[c] * taps[c];
              }
            } else {
              for (int64_t o = 0; o < c_out; ++o) d_taps[o] += grad[o] * pixel[o / m];
              if (d_image) {
                float* d_pixel = d_image + p * c_in;
                for (int64_t o = 0; o < c_out; ++o) d_pixel[o / m] += grad[o] * taps[o];
              }
            }
          });
        }
      }
    }
  });
  if (df) add_partials(partial, 0, filter_size, df->data());
  if (db) add_partials(partial, filter_size, c_out, db->data());
}

}  // namespace

const OpKernel& depthwise_conv2d_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
