// RELU and RELU6. float32 clamps; quantized RELU (int8, int16) requantizes input -> output scale
// and clamps at the quantized zero; quantized RELU6 (int8, int16) clamps in the input's
// quantization to [q(0), q(6)] without rescaling, as TFLite Micro does.
#include "kernels/activations_common.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct ReluData {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  QuantizedMultiplier multiplier;
  int32_t act_min;
  int32_t act_max;
};

[[gnu::cold]] Status check_types(PrepareContext& ctx, bool relu6) {
  Status status = act::check_unary_same_type(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.type == DataType::kFloat32) return Status::kOk;
  if (!act::has_tensor_quantization(input) || (!relu6 && !act::has_tensor_quantization(output)))
    return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
  if (input.type == DataType::kInt16 &&
      (input.zero_point() != 0 || (!relu6 && output.zero_point() != 0)))
    return ctx.fail(Status::kUnsupported, "int16 tensors must have zero point 0");
  return Status::kOk;
}

// round(x / scale) + zero_point clamped to the dtype (TFLite's FloatToQuantizedType).
int32_t quantize_to_type(float x, float scale, int32_t zero_point, DataType type) {
  int32_t lo, hi;
  dtype_range(type, &lo, &hi);
  const float rounded = clampf(roundf(x / scale), -2.0e9f, 2.0e9f);
  const int64_t q = static_cast<int64_t>(rounded) + zero_point;
  return static_cast<int32_t>(q < lo ? lo : (q > hi ? hi : q));
}

[[gnu::cold]] Status prepare_relu(PrepareContext& ctx) {
  Status status = check_types(ctx, false);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  QuantizedMultiplier multiplier;
  int32_t act_min = 0, act_max = 0;
  if (input.type != DataType::kFloat32) {
    multiplier = quantize_multiplier(static_cast<double>(input.scale()) /
                                     static_cast<double>(output.scale()));
    if (!act::multiplier_usable(multiplier))
      return ctx.fail(Status::kUnsupported, "input/output scale ratio is out of range");
    int32_t type_lo;
    dtype_range(output.type, &type_lo, &act_max);
    const int32_t zero = output.zero_point();  // + round(0 / scale)
    act_min = zero > type_lo ? zero : type_lo;
  }
  auto* data = ctx.allocate_persistent<ReluData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->input_zero_point = input.zero_point();
  data->output_zero_point = output.zero_point();
  data->multiplier = multiplier;
  data->act_min = act_min;
  data->act_max = act_max;
  return Status::kOk;
}

Status prepare_relu6(PrepareContext& ctx) {
  Status status = check_types(ctx, true);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0);
  auto* data = ctx.allocate_persistent<ReluData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  if (input.type != DataType::kFloat32) {
    data->act_min = input.zero_point();
    data->act_max = quantize_to_type(6.0f, input.scale(), input.zero_point(), input.type);
  }
  return Status::kOk;
}

template <typename T>
void relu_quantized(const ReluData& d, const T* input, T* output) {
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = static_cast<int32_t>(input[i]) - d.input_zero_point;
    const int32_t scaled =
        multiply_by_quantized_multiplier(x, d.multiplier.multiplier, d.multiplier.shift);
    output[i] =
        static_cast<T>(clamp32(wrapping_add(scaled, d.output_zero_point), d.act_min, d.act_max));
  }
}

template <typename T>
void relu6_quantized(const ReluData& d, const T* input, T* output) {
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = input[i];
    output[i] = static_cast<T>(x > d.act_max ? d.act_max : (x < d.act_min ? d.act_min : x));
  }
}

Status eval_relu(EvalContext& ctx) {
  const auto& d = *ctx.persistent<ReluData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32: {
      const float* in = input.as<float>();
      float* out = output.as<float>();
      for (int32_t i = 0; i < d.size; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
      break;
    }
    case DataType::kInt8:
      relu_quantized(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      relu_quantized(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

Status eval_relu6(EvalContext& ctx) {
  const auto& d = *ctx.persistent<ReluData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32: {
      const float* in = input.as<float>();
      float* out = output.as<float>();
      for (int32_t i = 0; i < d.size; ++i)
        out[i] = in[i] > 6.0f ? 6.0f : (in[i] < 0.0f ? 0.0f : in[i]);
      break;
    }
    case DataType::kInt8:
      relu6_quantized(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      relu6_quantized(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_RELU = {
    static_cast<int32_t>(tflite::BuiltinOperator::RELU), 1, 3, prepare_relu, eval_relu, false};
extern const KernelRegistration kKernel_RELU6 = {
    static_cast<int32_t>(tflite::BuiltinOperator::RELU6), 1, 3, prepare_relu6, eval_relu6, false};

}  // namespace tinyforge
