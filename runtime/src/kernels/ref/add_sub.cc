// ADD and SUB with broadcasting: float32, int32 (unquantized, wrapping), and int8 / int16 with
// TFLite's general rescaling: both inputs are shifted left (20 bits for int8, 15 for int16),
// scaled to a common scale of twice the larger input scale, added (or subtracted), then
// rescaled to the output and clamped by the fused activation.
//
// TFLite Micro always takes this general path for int16, whatever pot_scale_int16 says (its
// ADD kernel passes pot_scale = false to the reference kernel, and its SUB kernel has no
// power-of-two path), so the same holds here. TFLM computes ADD's real multipliers in double
// but SUB's in float (twice_max_input_scale is a float there); both are reproduced.
#include "kernels/binary_common.h"
#include "kernels/broadcast.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

// Real multipliers of the general path, as TFLM computes them for each op.
void add_real_multipliers(float s1, float s2, float so, int left_shift, double* r1, double* r2,
                          double* ro) {
  const double twice_max = 2 * static_cast<double>(s1 > s2 ? s1 : s2);
  *r1 = static_cast<double>(s1) / twice_max;
  *r2 = static_cast<double>(s2) / twice_max;
  *ro = twice_max / (static_cast<double>(1 << left_shift) * static_cast<double>(so));
}

void sub_real_multipliers(float s1, float s2, float so, int left_shift, double* r1, double* r2,
                          double* ro) {
  const float twice_max = 2 * (s1 > s2 ? s1 : s2);
  const float q1 = s1 / twice_max;
  const float q2 = s2 / twice_max;
  const float denominator = static_cast<float>(1 << left_shift) * so;
  const float qo = twice_max / denominator;
  *r1 = static_cast<double>(q1);
  *r2 = static_cast<double>(q2);
  *ro = static_cast<double>(qo);
}

// TFLite's QuantizeMultiplierSmallerThanOneExp: the multiplier must lie in (0, 1) and keep a
// non-positive exponent after rounding.
bool smaller_than_one(double real, QuantizedMultiplier* m) {
  if (!(real > 0.0) || !(real < 1.0)) return false;
  *m = quantize_multiplier(real);
  return m->shift <= 0;
}

template <bool kSub>
[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  BroadcastShape shape;
  const Status shape_status = prepare_binary_shape(ctx, &shape);
  if (shape_status != Status::kOk) return shape_status;
  const TensorView input1 = ctx.input(0), input2 = ctx.input(1), output = ctx.output(0);

  tflite::ActivationFunctionType activation = tflite::ActivationFunctionType::NONE;
  if (kSub) {
    if (const auto* options = ctx.op().builtin_options_as_SubOptions())
      activation = options->fused_activation_function();
  } else {
    if (const auto* options = ctx.op().builtin_options_as_AddOptions())
      activation = options->fused_activation_function();
  }

  const DataType type = output.type;
  if (input1.type != type || input2.type != type)
    return ctx.fail(Status::kUnsupported, "inputs and output must have the same dtype");
  if (type != DataType::kFloat32 && type != DataType::kInt8 && type != DataType::kInt16 &&
      type != DataType::kInt32)
    return ctx.fail(Status::kUnsupported, "dtype must be float32, int8, int16 or int32");

  AddSubData d;
  d.shape = shape;
  d.left_shift = 0;
  d.input1_offset = d.input2_offset = d.output_offset = 0;
  d.act_min = INT32_MIN;
  d.act_max = INT32_MAX;
  d.act_min_f = d.act_max_f = 0.0f;

  if (type == DataType::kFloat32) {
    if (!float_activation_range(activation, &d.act_min_f, &d.act_max_f))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else if (type == DataType::kInt32) {
    if (input1.is_quantized() || input2.is_quantized() || (kSub && output.is_quantized()))
      return ctx.fail(Status::kUnsupported, "int32 tensors must not be quantized");
    // TFLM's int32 ADD ignores the fused activation; its int32 SUB applies it.
    if (kSub && !int32_activation_range(activation, &d.act_min, &d.act_max))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else {
    if (!input1.is_quantized() || !input2.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (!valid_per_tensor_quantization(input1) || !valid_per_tensor_quantization(input2) ||
        !valid_per_tensor_quantization(output))
      return ctx.fail(Status::kUnsupported,
                      "needs one positive scale per tensor and zero points in the dtype range");
    d.left_shift = type == DataType::kInt16 ? 15 : 20;
    d.input1_offset = -input1.zero_point();
    d.input2_offset = -input2.zero_point();
    d.output_offset = output.zero_point();
    double r1, r2, ro;
    if (kSub) {
      sub_real_multipliers(input1.scale(), input2.scale(), output.scale(), d.left_shift, &r1, &r2,
                           &ro);
    } else {
      add_real_multipliers(input1.scale(), input2.scale(), output.scale(), d.left_shift, &r1, &r2,
                           &ro);
    }
    if (!smaller_than_one(r1, &d.input1_multiplier) || !smaller_than_one(r2, &d.input2_multiplier))
      return ctx.fail(Status::kUnsupported, "input scales give an unusable multiplier");
    if (!smaller_than_one(ro, &d.output_multiplier))
      return ctx.fail(Status::kUnsupported,
                      "output scale too small for the input scales (output multiplier >= 1)");
    if (!quantized_activation_range(activation, output, &d.act_min, &d.act_max))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
    if (d.act_min > d.act_max)
      return ctx.fail(Status::kUnsupported, "fused activation range is empty for this output");
  }

  auto* data = ctx.allocate_persistent<AddSubData>();
  allow_elementwise_in_place(ctx, 0);
  allow_elementwise_in_place(ctx, 1);
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

template <typename T, bool kSub>
struct QuantizedAddSub {
  const AddSubData& d;
  T operator()(T x, T y) const {
    const int32_t shifted1 = (d.input1_offset + x) * (int32_t{1} << d.left_shift);
    const int32_t shifted2 = (d.input2_offset + y) * (int32_t{1} << d.left_shift);
    const int32_t scaled1 = multiply_by_quantized_multiplier(
        shifted1, d.input1_multiplier.multiplier, d.input1_multiplier.shift);
    const int32_t scaled2 = multiply_by_quantized_multiplier(
        shifted2, d.input2_multiplier.multiplier, d.input2_multiplier.shift);
    const int32_t raw = kSub ? scaled1 - scaled2 : scaled1 + scaled2;
    const int32_t result = multiply_by_quantized_multiplier(raw, d.output_multiplier.multiplier,
                                                            d.output_multiplier.shift) +
                           d.output_offset;
    return static_cast<T>(clamp32(result, d.act_min, d.act_max));
  }
};

template <bool kSub>
struct FloatAddSub {
  float lo, hi;
  float operator()(float x, float y) const { return clampf(kSub ? x - y : x + y, lo, hi); }
};

template <bool kSub>
struct Int32AddSub {
  int32_t lo, hi;
  int32_t operator()(int32_t x, int32_t y) const {
    return clamp32(kSub ? wrapping_sub(x, y) : wrapping_add(x, y), lo, hi);
  }
};

template <bool kSub>
Status eval(EvalContext& ctx) {
  const AddSubData& d = *ctx.persistent<AddSubData>();
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  switch (out.type) {
    case DataType::kFloat32:
      if (kWithFloat32)
        broadcast_apply(d.shape, a.as<float>(), b.as<float>(), out.as<float>(),
                        FloatAddSub<kSub>{d.act_min_f, d.act_max_f});
      break;
    case DataType::kInt32:
      broadcast_apply(d.shape, a.as<int32_t>(), b.as<int32_t>(), out.as<int32_t>(),
                      Int32AddSub<kSub>{d.act_min, d.act_max});
      break;
    case DataType::kInt8:
      broadcast_apply(d.shape, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>(),
                      QuantizedAddSub<int8_t, kSub>{d});
      break;
    default:
      if (kWithInt16)
        broadcast_apply(d.shape, a.as<int16_t>(), b.as<int16_t>(), out.as<int16_t>(),
                        QuantizedAddSub<int16_t, kSub>{d});
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_ADD = {
    static_cast<int32_t>(tflite::BuiltinOperator::ADD), 1, 5, prepare<false>, eval<false>, false};
extern const KernelRegistration kKernel_SUB = {
    static_cast<int32_t>(tflite::BuiltinOperator::SUB), 1, 5, prepare<true>, eval<true>, false};

}  // namespace tinyforge
