// QUANTIZE: float32 -> int8 / uint8 / int16 (round half away from zero, add the zero point,
// clamp), and requantization between integer types with one fixed-point multiplier
// (input scale / output scale): int8 -> int8 / uint8 / int16 / int32, uint8 -> int8,
// int16 -> int8 / int16 / int32, int32 -> int8 / int16.
#include "kernels/activations_common.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"
#include "kernels/quantize_common.h"

namespace tinyforge {
namespace {

bool requantize_supported(DataType in, DataType out) {
  switch (in) {
    case DataType::kInt8:
      return out == DataType::kInt8 || out == DataType::kUInt8 || out == DataType::kInt16 ||
             out == DataType::kInt32;
    case DataType::kUInt8:
      return out == DataType::kInt8;
    case DataType::kInt16:
      return out == DataType::kInt8 || out == DataType::kInt16 || out == DataType::kInt32;
    case DataType::kInt32:
      return out == DataType::kInt8 || out == DataType::kInt16;
    default:
      return false;
  }
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (!act::has_tensor_quantization(output))
    return ctx.fail(Status::kUnsupported,
                    "output needs one scale and zero point (per-channel is not supported)");
  int32_t out_min, out_max;
  dtype_range(output.type, &out_min, &out_max);
  if (output.zero_point() < out_min || output.zero_point() > out_max)
    return ctx.fail(Status::kMalformedModel,
                    "output zero point is outside the output type's range");
  const bool from_float = input.type == DataType::kFloat32;
  if (from_float) {
    if (output.type != DataType::kInt8 && output.type != DataType::kUInt8 &&
        output.type != DataType::kInt16)
      return ctx.fail(Status::kUnsupported, "float32 input needs an int8, uint8 or int16 output");
  } else {
    if (!requantize_supported(input.type, output.type))
      return ctx.fail(Status::kUnsupported, "this input/output dtype pair is not supported");
    if (!act::has_tensor_quantization(input))
      return ctx.fail(Status::kMalformedModel, "input needs one scale and zero point");
  }
  QuantizedMultiplier multiplier;
  if (!from_float) {
    multiplier = quantize_multiplier(static_cast<double>(input.scale()) /
                                     static_cast<double>(output.scale()));
    if (!act::multiplier_usable(multiplier))
      return ctx.fail(Status::kUnsupported, "input/output scale ratio is out of range");
  }

  auto* data = ctx.allocate_persistent<QuantizeData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->output_scale = output.scale();
  data->input_zero_point = input.zero_point();
  data->output_zero_point = output.zero_point();
  data->multiplier = multiplier;
  return Status::kOk;
}

template <typename Out>
void quantize_float(const QuantizeData& d, const float* input, Out* output) {
  constexpr int32_t kMin = type_min<Out>(), kMax = type_max<Out>();
  for (int32_t i = 0; i < d.size; ++i) {
    const float rounded = roundf(input[i] / d.output_scale);
    // Clamp in float first so the conversion is always defined (NaN goes to the zero point).
    const float limited = rounded != rounded ? 0.0f : clampf(rounded, -2.0e9f, 2.0e9f);
    const int32_t value = static_cast<int32_t>(limited) + d.output_zero_point;
    output[i] = static_cast<Out>(clamp32(value, kMin, kMax));
  }
}

template <typename In, typename Out>
void requantize(const QuantizeData& d, const In* input, Out* output) {
  constexpr int32_t kMin = type_min<Out>(), kMax = type_max<Out>();
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = wrapping_sub(static_cast<int32_t>(input[i]), d.input_zero_point);
    const int32_t scaled =
        multiply_by_quantized_multiplier(x, d.multiplier.multiplier, d.multiplier.shift);
    output[i] = static_cast<Out>(clamp32(wrapping_add(scaled, d.output_zero_point), kMin, kMax));
  }
}

template <typename In>
void requantize_from(const QuantizeData& d, const In* input, const TensorView& output) {
  switch (output.type) {
    case DataType::kInt8:
      requantize(d, input, output.as<int8_t>());
      break;
    case DataType::kUInt8:
      requantize(d, input, output.as<uint8_t>());
      break;
    case DataType::kInt16:
      requantize(d, input, output.as<int16_t>());
      break;
    default:
      requantize(d, input, output.as<int32_t>());
      break;
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<QuantizeData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      if (output.type == DataType::kInt8)
        quantize_float(d, input.as<float>(), output.as<int8_t>());
      else if (output.type == DataType::kUInt8)
        quantize_float(d, input.as<float>(), output.as<uint8_t>());
      else
        quantize_float(d, input.as<float>(), output.as<int16_t>());
      break;
    case DataType::kInt8:
      requantize_from(d, input.as<int8_t>(), output);
      break;
    case DataType::kUInt8:
      requantize_from(d, input.as<uint8_t>(), output);
      break;
    case DataType::kInt16:
      requantize_from(d, input.as<int16_t>(), output);
      break;
    default:
      requantize_from(d, input.as<int32_t>(), output);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_QUANTIZE = {
    static_cast<int32_t>(tflite::BuiltinOperator::QUANTIZE), 1, 3, prepare, eval, false};

}  // namespace tinyforge
