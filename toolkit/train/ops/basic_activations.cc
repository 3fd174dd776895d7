// Elementwise activations. Backward uses whichever of input and output gives the derivative most
// cheaply: the output for ReLU/ReLU6 (like the fused activations), logistic and tanh; the input for
// LeakyReLU and HardSwish. Large tensors are split over both cores.
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

// Calls f(x, y) on matching chunks of input and output (Eigen maps).
template <typename F>
void unary_forward(ForwardContext& ctx, F&& f) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, x.shape());
  const float* px = x.data();
  float* py = y.data();
  parallel_chunks(x.size(), [&](int64_t begin, int64_t n) {
    ArrayMap out(py + begin, n);
    f(ConstArrayMap(px + begin, n), out);
  });
}

// Calls f(x, y, g, gx) on matching chunks of input, output, output gradient and input gradient.
template <typename F>
void unary_backward(BackwardContext& ctx, F&& f) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  const float* px = ctx.inputs[0]->data();
  const float* py = ctx.outputs[0]->data();
  const float* pg = ctx.output_grads[0]->data();
  float* pgx = gx->data();
  parallel_chunks(gx->size(), [&](int64_t begin, int64_t n) {
    ArrayMap dx(pgx + begin, n);
    f(ConstArrayMap(px + begin, n), ConstArrayMap(py + begin, n), ConstArrayMap(pg + begin, n), dx);
  });
}

void relu_forward(ForwardContext& ctx) {
  unary_forward(ctx, [](const auto& x, auto& y) { y = x.max(0.0f); });
}
void relu_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](const auto&, const auto& y, const auto& g, auto& dx) {
    dx += (y > 0.0f).select(g, 0.0f);
  });
}

void relu6_forward(ForwardContext& ctx) {
  unary_forward(ctx, [](const auto& x, auto& y) { y = x.max(0.0f).min(6.0f); });
}
void relu6_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](const auto&, const auto& y, const auto& g, auto& dx) {
    dx += (y > 0.0f && y < 6.0f).select(g, 0.0f);
  });
}

// TFLite's LEAKY_RELU: x for x > 0, alpha * x otherwise.
void leaky_relu_forward(ForwardContext& ctx) {
  const float alpha = ctx.node.attrs.alpha;
  unary_forward(ctx, [alpha](const auto& x, auto& y) { y = (x > 0.0f).select(x, alpha * x); });
}
void leaky_relu_backward(BackwardContext& ctx) {
  const float alpha = ctx.node.attrs.alpha;
  unary_backward(ctx, [alpha](const auto& x, const auto&, const auto& g, auto& dx) {
    dx += (x > 0.0f).select(g, alpha * g);
  });
}

void logistic_forward(ForwardContext& ctx) {
  // exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
  unary_forward(ctx, [](const auto& x, auto& y) { y = (1.0f + (-x).exp()).inverse(); });
}
void logistic_backward(BackwardContext& ctx) {
  unary_backward(
      ctx, [](const auto&, const auto& y, const auto& g, auto& dx) { dx += g * y * (1.0f - y); });
}

void tanh_forward(ForwardContext& ctx) {
  unary_forward(ctx, [](const auto& x, auto& y) { y = x.tanh(); });
}
void tanh_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](const auto&, const auto& y, const auto& g, auto& dx) {
    dx += g * (1.0f - y.square());
  });
}

// HardSwish(x) = x * relu6(x + 3) / 6 (MobileNetV3, TFLite HARD_SWISH).
void hard_swish_forward(ForwardContext& ctx) {
  unary_forward(
      ctx, [](const auto& x, auto& y) { y = x * (x + 3.0f).max(0.0f).min(6.0f) * (1.0f / 6.0f); });
}
// d/dx: 0 below -3, 1 above 3, (2x + 3) / 6 between.
void hard_swish_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](const auto& x, const auto&, const auto& g, auto& dx) {
    dx += (x < -3.0f).select(0.0f, (x > 3.0f).select(g, g * (2.0f * x + 3.0f) * (1.0f / 6.0f)));
  });
}

}  // namespace

const OpKernel kRelu{relu_forward, relu_backward};
const OpKernel kRelu6{relu6_forward, relu6_backward};
const OpKernel kLeakyRelu{leaky_relu_forward, leaky_relu_backward};
const OpKernel kLogistic{logistic_forward, logistic_backward};
const OpKernel kTanh{tanh_forward, tanh_backward};
const OpKernel kHardSwish{hard_swish_forward, hard_swish_backward};

}  // namespace tinyforge::train::basic
