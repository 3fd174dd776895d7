// Elementwise activations. Backward uses whichever of input and output gives the derivative most
// cheaply: the output for ReLU/ReLU6 (like the fused activations), logistic and tanh; the input for
// LeakyReLU and HardSwish.
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

struct Unary {
  const Tensor& x;
  Tensor& y;
  explicit Unary(ForwardContext& ctx) : x(*ctx.inputs[0]), y(*ctx.outputs[0]) {
    ensure_shape(y, x.shape());
  }
};

void relu_forward(ForwardContext& ctx) {
  Unary u(ctx);
  array(u.y) = array(u.x).max(0.0f);
}
void relu_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0])
    array(*gx) += (array(*ctx.outputs[0]) > 0.0f).select(array(*ctx.output_grads[0]), 0.0f);
}

void relu6_forward(ForwardContext& ctx) {
  Unary u(ctx);
  array(u.y) = array(u.x).max(0.0f).min(6.0f);
}
void relu6_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) {
    const ConstArrayMap y = array(*ctx.outputs[0]);
    array(*gx) += (y > 0.0f && y < 6.0f).select(array(*ctx.output_grads[0]), 0.0f);
  }
}

// TFLite's LEAKY_RELU: x for x > 0, alpha * x otherwise.
void leaky_relu_forward(ForwardContext& ctx) {
  Unary u(ctx);
  const float alpha = ctx.node.attrs.alpha;
  const ConstArrayMap x = array(u.x);
  array(u.y) = (x > 0.0f).select(x, alpha * x);
}
void leaky_relu_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) {
    const float alpha = ctx.node.attrs.alpha;
    const ConstArrayMap g = array(*ctx.output_grads[0]);
    array(*gx) += (array(*ctx.inputs[0]) > 0.0f).select(g, alpha * g);
  }
}

void logistic_forward(ForwardContext& ctx) {
  Unary u(ctx);
  // exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
  array(u.y) = (1.0f + (-array(u.x)).exp()).inverse();
}
void logistic_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) {
    const ConstArrayMap y = array(*ctx.outputs[0]);
    array(*gx) += array(*ctx.output_grads[0]) * y * (1.0f - y);
  }
}

void tanh_forward(ForwardContext& ctx) {
  Unary u(ctx);
  array(u.y) = array(u.x).tanh();
}
void tanh_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) {
    const ConstArrayMap y = array(*ctx.outputs[0]);
    array(*gx) += array(*ctx.output_grads[0]) * (1.0f - y.square());
  }
}

// HardSwish(x) = x * relu6(x + 3) / 6 (MobileNetV3, TFLite HARD_SWISH).
void hard_swish_forward(ForwardContext& ctx) {
  Unary u(ctx);
  const ConstArrayMap x = array(u.x);
  array(u.y) = x * (x + 3.0f).max(0.0f).min(6.0f) * (1.0f / 6.0f);
}
// d/dx: 0 below -3, 1 above 3, (2x + 3) / 6 between.
void hard_swish_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) {
    const ConstArrayMap x = array(*ctx.inputs[0]);
    const ConstArrayMap g = array(*ctx.output_grads[0]);
    array(*gx) +=
        (x < -3.0f).select(0.0f, (x > 3.0f).select(g, g * (2.0f * x + 3.0f) * (1.0f / 6.0f)));
  }
}

}  // namespace

const OpKernel kRelu{relu_forward, relu_backward};
const OpKernel kRelu6{relu6_forward, relu6_backward};
const OpKernel kLeakyRelu{leaky_relu_forward, leaky_relu_backward};
const OpKernel kLogistic{logistic_forward, logistic_backward};
const OpKernel kTanh{tanh_forward, tanh_backward};
const OpKernel kHardSwish{hard_swish_forward, hard_swish_backward};

}  // namespace tinyforge::train::basic
