// HARD_SWISH: x * relu6(x + 3) / 6. float32, and int8 with TFLite's 16-bit fixed-point recipe:
// the input on a 2^7 finer scale is multiplied by a "relu-ish" factor in [0, 1] (x rescaled
// from [-3, 3] to [0, 1], saturating) and by the output multiplier.
#include "kernels/activations_common.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct HardSwishData {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int16_t output_multiplier;
  int output_exponent;
  int16_t reluish_multiplier;
  int reluish_exponent;
};

// A Q0.31 multiplier rounded to Q0.15.
int16_t to_int16_multiplier(int32_t m) {
  if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
  return static_cast<int16_t>((m + (1 << 15)) >> 16);
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.type != DataType::kFloat32 && input.type != DataType::kInt8)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32 or int8");
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  QuantizedMultiplier output_m, reluish_m;
  if (input.type == DataType::kInt8) {
    if (!act::has_tensor_quantization(input) || !act::has_tensor_quantization(output))
      return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
    const float hires_input_scale = (1.0f / 128.0f) * input.scale();
    const float reluish_scale = 3.0f / 32768.0f;
    output_m = quantize_multiplier(static_cast<double>(hires_input_scale / output.scale()));
    reluish_m = quantize_multiplier(static_cast<double>(hires_input_scale / reluish_scale));
    if (output_m.shift > 0)
      return ctx.fail(Status::kUnsupported, "output scale is too small for the input scale");
    // The 16-bit rounding shifts below are only defined up to 15 bits.
    if (output_m.shift < -15 || reluish_m.shift < -15 || reluish_m.shift > 30)
      return ctx.fail(Status::kUnsupported, "input/output scales are out of range");
  }
  auto* data = ctx.allocate_persistent<HardSwishData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->input_zero_point = input.zero_point();
  data->output_zero_point = output.zero_point();
  data->output_multiplier = to_int16_multiplier(output_m.multiplier);
  data->output_exponent = output_m.shift;
  data->reluish_multiplier = to_int16_multiplier(reluish_m.multiplier);
  data->reluish_exponent = reluish_m.shift;
  return Status::kOk;
}

int16_t saturate16(int64_t x) {
  return static_cast<int16_t>(x < INT16_MIN ? INT16_MIN : (x > INT16_MAX ? INT16_MAX : x));
}

// gemmlowp's 16-bit SaturatingRoundingDoublingHighMul.
int16_t rounding_high_mul16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t product = static_cast<int32_t>(a) * b;
  const int32_t nudge = product >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((product + nudge) / (1 << 15));
}

// The same, truncating toward zero instead of rounding.
int16_t truncating_high_mul16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return static_cast<int16_t>((static_cast<int32_t>(a) * b) / (1 << 15));
}

// Rounding right shift of an int16 value (exponent <= 15).
int16_t rounding_shift16(int16_t x, int exponent) {
  return static_cast<int16_t>(rounding_divide_by_pot(x, exponent));
}

void eval_int8(const HardSwishData& d, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < d.size; ++i) {
    const int16_t value = static_cast<int16_t>(input[i] - d.input_zero_point);
    const int16_t hires = static_cast<int16_t>(value * (1 << 7));
    const int16_t preshift_output = rounding_high_mul16(hires, d.output_multiplier);
    // Rescale x from [-3, 3] to [-1, 1] (saturating), holding back one bit of left shift so
    // saturation only happens in the last step.
    int16_t reluish = hires;
    if (d.reluish_exponent > 0)
      reluish =
          saturate16(static_cast<int64_t>(reluish) * (int64_t{1} << (d.reluish_exponent - 1)));
    reluish = rounding_high_mul16(reluish, d.reluish_multiplier);
    if (d.reluish_exponent > 0) reluish = saturate16(static_cast<int64_t>(reluish) * 2);
    if (d.reluish_exponent < 0) reluish = rounding_shift16(reluish, -d.reluish_exponent);
    // [-1, 1] -> [0, 1].
    reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
    const int16_t preshift = truncating_high_mul16(reluish, preshift_output);
    int16_t result = rounding_shift16(preshift, -d.output_exponent);
    // TFLite adds the zero point in 16 bits (wrapping) before clamping.
    result = static_cast<int16_t>(static_cast<uint16_t>(result + d.output_zero_point));
    output[i] = static_cast<int8_t>(result > 127 ? 127 : (result < -128 ? -128 : result));
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<HardSwishData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.type == DataType::kFloat32) {
    const float* in = input.as<float>();
    float* out = output.as<float>();
    for (int32_t i = 0; i < d.size; ++i) {
      const float x = in[i];
      const float relu6 = clampf(x + 3.0f, 0.0f, 6.0f);
      out[i] = x * relu6 / 6.0f;
    }
  } else {
    eval_int8(d, input.as<int8_t>(), output.as<int8_t>());
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_HARD_SWISH = {
    static_cast<int32_t>(tflite::BuiltinOperator::HARD_SWISH), 1, 1, prepare, eval, false};

}  // namespace tinyforge
