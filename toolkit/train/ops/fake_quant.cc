// FakeQuant (quantization-aware training): forward rounds to the int8 grid exactly as the
// quantized model will (toolkit/quantize/quant_params.h: the same scales, zero points and rounding
// as PTQ and the writer), backward is the straight-through estimator: the gradient passes where
// the value is inside the representable range and is zero where it was clipped.
//   2 inputs (x, range state [min, max]): per-tensor asymmetric activations. In training the
//     range follows the batch extremes as a moving average (TFLite's QAT), weight attrs.momentum
//     (1 = frozen, for ops that must reuse their input's range); [0, 0] means "not seen yet".
//   1 input (weights): per-channel symmetric along attrs.axis from the weights' current values.
#include <algorithm>
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/quantize/quant_params.h"
#include "toolkit/train/op_kernel.h"

namespace tinyforge::train {
namespace {

using quantize::QuantParams;

void fake_quant_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  if (y.shape() != x.shape()) y.reset(x.shape());
  ctx.saved.resize(1);
  Tensor& mask = ctx.saved[0];
  if (mask.shape() != x.shape()) mask.reset(x.shape());
  if (ctx.inputs.size() == 2) {
    Tensor& range = *ctx.inputs[1];
    if (ctx.training && x.size() > 0) {
      const auto [lo, hi] = std::minmax_element(x.data(), x.data() + x.size());
      const float decay = ctx.node.attrs.momentum;
      if (range[0] == 0.0f && range[1] == 0.0f) {
        range[0] = std::min(*lo, 0.0f);
        range[1] = std::max(*hi, 0.0f);
      } else {
        range[0] = decay * range[0] + (1.0f - decay) * std::min(*lo, 0.0f);
        range[1] = decay * range[1] + (1.0f - decay) * std::max(*hi, 0.0f);
      }
    }
    const QuantParams p = quantize::asymmetric_params({range[0], range[1]}, DataType::kInt8);
    const float lo = quantize::dequantize_value(-128, p.scale, p.zero_point);
    const float hi = quantize::dequantize_value(127, p.scale, p.zero_point);
    for (int64_t i = 0; i < x.size(); ++i) {
      const int64_t q = quantize::quantize_value(x[i], p.scale, p.zero_point, DataType::kInt8);
      y[i] = quantize::dequantize_value(q, p.scale, p.zero_point);
      mask[i] = x[i] >= lo && x[i] <= hi ? 1.0f : 0.0f;
    }
    return;
  }
  const int axis = ctx.node.attrs.axis < 0 ? ctx.node.attrs.axis + x.rank() : ctx.node.attrs.axis;
  const graph::Quantization q = quantize::per_channel_weight_quantization(x, axis);
  int64_t inner = 1;
  for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  const int64_t channels = x.dim(axis);
  for (int64_t i = 0; i < x.size(); ++i) {
    const float s = q.scales[(i / inner) % channels];
    y[i] = quantize::dequantize_value(quantize::quantize_value(x[i], s, 0, DataType::kInt8), s, 0);
    mask[i] = 1.0f;  // the scale covers every weight: nothing is clipped
  }
}

void fake_quant_backward(BackwardContext& ctx) {
  Tensor* dx = ctx.input_grads[0];
  if (dx == nullptr) return;
  const Tensor& g = *ctx.output_grads[0];
  const Tensor& mask = ctx.saved.at(0);
  for (int64_t i = 0; i < g.size(); ++i) (*dx)[i] += g[i] * mask[i];
}

}  // namespace

const OpKernel& fake_quant_kernel() {
  static const OpKernel kernel{fake_quant_forward, fake_quant_backward};
  return kernel;
}

}  // namespace tinyforge::train
