// LEAKY_RELU: x > 0 ? x : alpha * x. float32; int8 and int16 requantize with one multiplier for
// non-negative inputs (input scale / output scale) and one for negative inputs
// (input scale * alpha / output scale), both formed in float as TFLite does.
#include "kernels/activations_common.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct LeakyReluData {
  int32_t size;
  float alpha;
  int32_t input_zero_point;
  int32_t output_zero_point;
  QuantizedMultiplier identity;
  QuantizedMultiplier alpha_multiplier;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary_same_type(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_LeakyReluOptions();
  const float alpha = options ? options->alpha() : 0.0f;
  if (alpha != alpha || alpha > 3.402823466e+38f || alpha < -3.402823466e+38f)
    return ctx.fail(Status::kMalformedModel, "alpha must be finite");
  QuantizedMultiplier identity, alpha_multiplier;
  if (input.type != DataType::kFloat32) {
    if (!act::has_tensor_quantization(input) || !act::has_tensor_quantization(output))
      return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
    const float alpha_ratio = input.scale() * alpha / output.scale();
    const float identity_ratio = input.scale() / output.scale();
    if (!act::finite(alpha_ratio) || !act::finite(identity_ratio))
      return ctx.fail(Status::kUnsupported, "scale ratios are out of range");
    alpha_multiplier = quantize_multiplier(static_cast<double>(alpha_ratio));
    identity = quantize_multiplier(static_cast<double>(identity_ratio));
    if (!act::multiplier_usable(alpha_multiplier) || !act::multiplier_usable(identity))
      return ctx.fail(Status::kUnsupported, "scale ratios are out of range");
  }
  auto* data = ctx.allocate_persistent<LeakyReluData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->alpha = alpha;
  data->input_zero_point = input.zero_point();
  data->output_zero_point = output.zero_point();
  data->identity = identity;
  data->alpha_multiplier = alpha_multiplier;
  return Status::kOk;
}

template <typename T>
void eval_quantized(const LeakyReluData& d, const T* input, T* output) {
  constexpr int32_t kMin = type_min<T>(), kMax = type_max<T>();
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = static_cast<int32_t>(input[i]) - d.input_zero_point;
    const QuantizedMultiplier& m = x >= 0 ? d.identity : d.alpha_multiplier;
    const int32_t scaled = multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
    output[i] = static_cast<T>(clamp32(wrapping_add(scaled, d.output_zero_point), kMin, kMax));
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<LeakyReluData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32: {
      const float* in = input.as<float>();
      float* out = output.as<float>();
      for (int32_t i = 0; i < d.size; ++i) out[i] = in[i] > 0.0f ? in[i] : in[i] * d.alpha;
      break;
    }
    case DataType::kInt8:
      eval_quantized(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      eval_quantized(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_LEAKY_RELU = {
    static_cast<int32_t>(tflite::BuiltinOperator::LEAKY_RELU), 1, 2, prepare, eval, false};

}  // namespace tinyforge
