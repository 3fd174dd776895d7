// Inverted dropout: in training each element is kept with probability 1 - rate and scaled by
// 1 / (1 - rate), so inference is the identity. The mask (0 or the scale) is saved for backward.
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

void dropout_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, x.shape());
  const float rate = ctx.node.attrs.rate;
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw host::Error("node '" + ctx.node.name + "' (Dropout): rate " + std::to_string(rate) +
                      ", expected 0 <= rate < 1");
  }
  if (!ctx.training || rate == 0.0f) {
    ctx.saved.clear();  // backward then passes the gradient straight through
    array(y) = array(x);
    return;
  }
  ctx.saved.resize(1);
  Tensor& mask = ctx.saved[0];
  ensure_shape(mask, x.shape());
  // Each 64-bit draw gives two 32-bit uniforms; an element survives when u >= rate.
  const auto threshold = static_cast<uint64_t>(static_cast<double>(rate) * 4294967296.0);
  const float scale = 1.0f / (1.0f - rate);
  std::mt19937_64& rng = *ctx.rng;
  float* m = mask.data();
  const int64_t n = mask.size();
  for (int64_t i = 0; i < n; i += 2) {
    const uint64_t bits = rng();
    m[i] = (bits & 0xffffffffu) >= threshold ? scale : 0.0f;
    if (i + 1 < n) m[i + 1] = (bits >> 32) >= threshold ? scale : 0.0f;
  }
  array(y) = array(x) * array(mask);
}

void dropout_backward(BackwardContext& ctx) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  if (ctx.saved.empty()) {
    array(*gx) += array(*ctx.output_grads[0]);
  } else {
    array(*gx) += array(*ctx.output_grads[0]) * array(ctx.saved[0]);
  }
}

}  // namespace

const OpKernel kDropout{dropout_forward, dropout_backward};

}  // namespace tinyforge::train::basic
