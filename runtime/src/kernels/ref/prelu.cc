// PRELU: output = x >= 0 ? x : alpha * x, alpha broadcast against the input (typically one
// slope per channel). float32; int8 with int8 alpha and int16 with int8 alpha, quantized as
// TFLite's reference kernel: non-negative inputs (after the zero point) are rescaled by
// s_in / s_out, negative ones are multiplied by (alpha - zp_alpha) and rescaled by
// s_in * s_alpha / s_out; the output zero point is added and the result clamped to the dtype.
#include "kernels/binary_common.h"
#include "kernels/broadcast.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct PreluData {
  BroadcastShape shape;
  int32_t input_offset;
  int32_t alpha_offset;
  int32_t output_offset;
  QuantizedMultiplier positive;  // s_in / s_out
  QuantizedMultiplier negative;  // s_in * s_alpha / s_out
  int32_t out_min;
  int32_t out_max;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  BroadcastShape shape;
  const Status shape_status = prepare_binary_shape(ctx, &shape);
  if (shape_status != Status::kOk) return shape_status;
  const TensorView input = ctx.input(0), alpha = ctx.input(1), output = ctx.output(0);

  const DataType type = input.type;
  if (output.type != type)
    return ctx.fail(Status::kUnsupported, "input and output must have the same dtype");
  PreluData d;
  d.shape = shape;
  d.input_offset = d.alpha_offset = d.output_offset = 0;
  d.out_min = d.out_max = 0;
  if (type == DataType::kFloat32) {
    if (alpha.type != DataType::kFloat32)
      return ctx.fail(Status::kUnsupported, "float32 input needs a float32 alpha");
  } else if (type == DataType::kInt8 || type == DataType::kInt16) {
    if (alpha.type != DataType::kInt8)
      return ctx.fail(Status::kUnsupported, "int8 and int16 inputs need an int8 alpha");
    if (!input.is_quantized() || !alpha.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (!valid_per_tensor_quantization(input) || !valid_per_tensor_quantization(alpha) ||
        !valid_per_tensor_quantization(output))
      return ctx.fail(Status::kUnsupported,
                      "needs one positive scale per tensor and zero points in the dtype range");
    d.input_offset = -input.zero_point();
    d.alpha_offset = -alpha.zero_point();
    d.output_offset = output.zero_point();
    const double s_in = input.scale(), s_alpha = alpha.scale(), s_out = output.scale();
    d.positive = quantize_multiplier(s_in / s_out);
    d.negative = quantize_multiplier(s_in * s_alpha / s_out);
    if (!multiplier_in_range(d.positive) || !multiplier_in_range(d.negative))
      return ctx.fail(Status::kUnsupported, "output scale too small for the input scales");
    dtype_range(type, &d.out_min, &d.out_max);
  } else {
    return ctx.fail(Status::kUnsupported, "dtype must be float32, int8 or int16");
  }

  auto* data = ctx.allocate_persistent<PreluData>();
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

struct FloatPrelu {
  float operator()(float x, float a) const { return x >= 0.0f ? x : x * a; }
};

template <typename T>
struct QuantizedPrelu {
  const PreluData& d;
  T operator()(T x, int8_t a) const {
    const int32_t value = d.input_offset + x;
    int32_t result;
    if (value >= 0) {
      result = multiply_by_quantized_multiplier(value, d.positive.multiplier, d.positive.shift);
    } else {
      result = multiply_by_quantized_multiplier(value * (d.alpha_offset + a), d.negative.multiplier,
                                                d.negative.shift);
    }
    return static_cast<T>(clamp32(wrapping_add(result, d.output_offset), d.out_min, d.out_max));
  }
};

Status eval(EvalContext& ctx) {
  const PreluData& d = *ctx.persistent<PreluData>();
  const TensorView input = ctx.input(0), alpha = ctx.input(1), out = ctx.output(0);
  switch (out.type) {
    case DataType::kFloat32:
      broadcast_apply(d.shape, input.as<float>(), alpha.as<float>(), out.as<float>(), FloatPrelu());
      break;
    case DataType::kInt8:
      broadcast_apply(d.shape, input.as<int8_t>(), alpha.as<int8_t>(), out.as<int8_t>(),
                      QuantizedPrelu<int8_t>{d});
      break;
    default:
      broadcast_apply(d.shape, input.as<int16_t>(), alpha.as<int8_t>(), out.as<int16_t>(),
                      QuantizedPrelu<int16_t>{d});
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_PRELU = {
    static_cast<int32_t>(tflite::BuiltinOperator::PRELU), 1, 1, prepare, eval, false};

}  // namespace tinyforge
