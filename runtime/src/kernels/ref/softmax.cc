// SOFTMAX over the last dimension. float32 (with beta); int8 -> int8 and int8 -> int16 with
// TFLite's fixed-point exp of negative differences (Q5.26 inputs, Q12.19 sum, fixed-point
// reciprocal); int16 -> int16 with TFLite's exp and 1/(1+x) lookup tables.
#include "kernels/activations_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using act::SoftmaxData;

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

float exp_function(float x) { return expf(x); }
float one_over_one_plus(float x) { return 1.0f / (1.0f + x); }

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.rank < 1) return ctx.fail(Status::kMalformedModel, "input must have rank >= 1");
  if (!same_shape(input, output))
    return ctx.fail(Status::kMalformedModel, "output shape must match the input shape");
  const auto* options = ctx.op().builtin_options_as_SoftmaxOptions();
  const float beta = options ? options->beta() : 1.0f;
  if (!(beta > 0.0f) || beta > 3.402823466e+38f)
    return ctx.fail(Status::kMalformedModel, "beta must be a finite positive number");
  const int32_t depth = input.dim(-1);
  if (depth < 1) return ctx.fail(Status::kMalformedModel, "last dimension must not be empty");

  const bool is_float = input.type == DataType::kFloat32;
  const bool int8_in = input.type == DataType::kInt8;
  const bool int16_in = input.type == DataType::kInt16;
  if (is_float) {
    if (output.type != DataType::kFloat32)
      return ctx.fail(Status::kUnsupported, "float32 input needs a float32 output");
  } else if (int8_in || int16_in) {
    if (!act::has_tensor_quantization(input) || !act::has_tensor_quantization(output))
      return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
    const float out_scale = output.scale();
    if (int16_in) {
      if (output.type != DataType::kInt16)
        return ctx.fail(Status::kUnsupported, "int16 input needs an int16 output");
      if (output.zero_point() != 0 || fabsf(out_scale - 1.0f / 32768) > 0.001f / 32768)
        return ctx.fail(Status::kUnsupported, "int16 output needs scale 1/32768 and zero point 0");
      if (depth > 65536)
        return ctx.fail(Status::kUnsupported, "int16 softmax supports at most 65536 classes");
    } else if (output.type == DataType::kInt16) {
      if (output.zero_point() != -32768 || fabsf(out_scale - 1.0f / 65536) > 0.001f / 65536)
        return ctx.fail(Status::kUnsupported,
                        "int16 output of int8 input needs scale 1/65536 and zero point -32768");
    } else if (output.type == DataType::kInt8) {
      if (output.zero_point() != -128 || out_scale != 1.0f / 256)
        return ctx.fail(Status::kUnsupported, "int8 output needs scale 1/256 and zero point -128");
    } else {
      return ctx.fail(Status::kUnsupported, "int8 input needs an int8 or int16 output");
    }
  } else {
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  }

  QuantizedMultiplier multiplier;
  int32_t diff_min = 0;
  if (int8_in) {
    // beta * scale as a Q5.26 multiplier (TFLite's PreprocessSoftmaxScaling), capped below 2^31.
    double real = static_cast<double>(beta) * static_cast<double>(input.scale()) *
                  static_cast<double>(1 << (31 - kScaledDiffIntegerBits));
    if (real > 2147483647.0) real = 2147483647.0;
    if (!(real > 1.0))
      return ctx.fail(Status::kUnsupported, "beta * input scale is too small for int8 softmax");
    multiplier = quantize_multiplier(real);
    if (multiplier.shift < 0 || multiplier.shift > 31)
      return ctx.fail(Status::kUnsupported, "beta * input scale is out of range");
    diff_min = -act::input_radius(kScaledDiffIntegerBits, multiplier.shift);
  } else if (int16_in) {
    // Input differences rescaled so that [-65535, 0] covers [-10, 0].
    const double real =
        static_cast<double>(input.scale()) * static_cast<double>(beta) / (10.0 / 65535.0);
    multiplier = quantize_multiplier(real);
    if (!act::multiplier_usable(multiplier))
      return ctx.fail(Status::kUnsupported, "beta * input scale is out of range");
  }

  auto* data = ctx.allocate_persistent<SoftmaxData>();
  int16_t* exp_lut = int16_in ? ctx.allocate_persistent<int16_t>(act::kLutSize) : nullptr;
  int16_t* reciprocal_lut = int16_in ? ctx.allocate_persistent<int16_t>(act::kLutSize) : nullptr;
  if (ctx.sizing()) return Status::kOk;

  data->outer = static_cast<int32_t>(input.elements() / depth);
  data->depth = depth;
  data->beta = beta;
  data->input_multiplier = multiplier.multiplier;
  data->input_left_shift = multiplier.shift;
  data->diff_min = diff_min;
  data->exp_lut = exp_lut;
  data->reciprocal_lut = reciprocal_lut;
  if (int16_in) {
    act::build_int16_lut(exp_function, -10.0f, 0.0f, -1.0f, 1.0f, exp_lut);
    act::build_int16_lut(one_over_one_plus, 0.0f, 1.0f, -1.0f, 1.0f, reciprocal_lut);
  }
  return Status::kOk;
}

void eval_float(const SoftmaxData& d, const float* input, float* output) {
  for (int32_t i = 0; i < d.outer; ++i) {
    const float* in = input + static_cast<int64_t>(i) * d.depth;
    float* out = output + static_cast<int64_t>(i) * d.depth;
    float max = in[0];
    for (int32_t c = 1; c < d.depth; ++c) max = in[c] > max ? in[c] : max;
    float sum = 0.0f;
    for (int32_t c = 0; c < d.depth; ++c) {
      const float e = expf((in[c] - max) * d.beta);
      out[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < d.depth; ++c) out[c] = out[c] / sum;
  }
}

// exp(beta * scale * diff) in Q0.31 for a difference to the row maximum (diff <= 0).
inline int32_t scaled_exp(const SoftmaxData& d, int32_t diff) {
  const int32_t rescaled = multiply_by_quantized_multiplier_greater_than_one(
      diff, d.input_multiplier, d.input_left_shift);
  return act::exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
}

template <typename Out>
void eval_int8(const SoftmaxData& d, const int8_t* input, Out* output) {
  constexpr int32_t kOutMin = type_min<Out>(), kOutMax = type_max<Out>();
  constexpr int kOutBits = static_cast<int>(sizeof(Out)) * 8;
  for (int32_t i = 0; i < d.outer; ++i) {
    const int8_t* in = input + static_cast<int64_t>(i) * d.depth;
    Out* out = output + static_cast<int64_t>(i) * d.depth;
    int32_t max = -128;
    for (int32_t c = 0; c < d.depth; ++c) max = in[c] > max ? in[c] : max;

    int32_t sum = 0;  // Q12.19
    for (int32_t c = 0; c < d.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= d.diff_min)
        sum = wrapping_add(sum, act::fp_rescale(scaled_exp(d, diff), 0, kAccumulationIntegerBits));
    }

    // 1 / sum as a Q0.31 value in [0.5, 1) times 2^-num_bits_over_unit.
    const int headroom_plus_one = act::count_leading_zeros(static_cast<uint32_t>(sum));
    const int num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    const uint32_t shifted = static_cast<uint32_t>(
        (static_cast<uint64_t>(static_cast<uint32_t>(sum)) << headroom_plus_one) & 0xFFFFFFFFu);
    const int32_t shifted_sum_minus_one = static_cast<int32_t>(shifted - 0x80000000u);
    const int32_t shifted_scale = act::one_over_one_plus_x(shifted_sum_minus_one);
    int exponent = num_bits_over_unit + 31 - kOutBits;
    // TFLite aborts outside [0, 31] (a sum of 512 or more for int8 outputs); stay defined.
    if (exponent < 0) exponent = 0;
    if (exponent > 31) exponent = 31;

    for (int32_t c = 0; c < d.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= d.diff_min) {
        const int32_t unsaturated =
            rounding_divide_by_pot(act::fp_mul(shifted_scale, scaled_exp(d, diff)), exponent);
        out[c] = static_cast<Out>(clamp32(wrapping_add(unsaturated, kOutMin), kOutMin, kOutMax));
      } else {
        out[c] = static_cast<Out>(kOutMin);
      }
    }
  }
}

void eval_int16(const SoftmaxData& d, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < d.outer; ++i) {
    const int16_t* in = input + static_cast<int64_t>(i) * d.depth;
    int16_t* out = output + static_cast<int64_t>(i) * d.depth;
    int32_t max = -32768;
    for (int32_t c = 0; c < d.depth; ++c) max = in[c] > max ? in[c] : max;

    // exp(x - max) in Q0.15, kept in the output until the sum is known (so the output may not
    // alias the input: the planner gives them separate memory).
    int32_t sum = 0;
    for (int32_t c = 0; c < d.depth; ++c) {
      const int32_t scaled =
          multiply_by_quantized_multiplier(in[c] - max, d.input_multiplier, d.input_left_shift);
      const int32_t centered = clamp32(wrapping_add(scaled, 32767), -32768, 32767);
      out[c] = act::lut_lookup(static_cast<int16_t>(centered), d.exp_lut);
      sum += out[c];
    }

    const int headroom_plus_one = act::count_leading_zeros(static_cast<uint32_t>(sum));
    // sum >= 1 (the maximum contributes exp(0)) and < 2^31, so headroom_plus_one is in [1, 31].
    const int32_t shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // 1/(1+x) with x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
    const int32_t centered = clamp32(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767);
    const int32_t reciprocal = act::lut_lookup(static_cast<int16_t>(centered), d.reciprocal_lut);

    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = right_shift > 0 ? int64_t{1} << (right_shift - 1) : 0;
    for (int32_t c = 0; c < d.depth; ++c) {
      const int64_t product = static_cast<int64_t>(out[c]) * reciprocal + round;
      const int32_t result = static_cast<int32_t>(product >> right_shift);
      out[c] = static_cast<int16_t>(clamp32(result, 0, 32767));
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<SoftmaxData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      if (kWithFloat32) eval_float(d, input.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      if (output.type == DataType::kInt16) {
        if (kWithInt16) eval_int8(d, input.as<int8_t>(), output.as<int16_t>());
      } else {
        eval_int8(d, input.as<int8_t>(), output.as<int8_t>());
      }
      break;
    default:
      if (kWithInt16) eval_int16(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SOFTMAX = {
    static_cast<int32_t>(tflite::BuiltinOperator::SOFTMAX), 1, 3, prepare, eval, false};

}  // namespace tinyforge
