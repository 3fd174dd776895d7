// MUL with broadcasting: float32, int32 (wrapping, fused activation clamp) and int8 / int16
// quantized as TFLite's reference kernel: (x1 - zp1) * (x2 - zp2) requantized with one
// multiplier s1 * s2 / s_out, plus the output zero point, clamped by the fused activation.
// int16 needs zero points of 0 (as in TFLite Micro).
#include "kernels/binary_common.h"
#include "kernels/broadcast.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct MulData {
  BroadcastShape shape;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  QuantizedMultiplier multiplier;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  BroadcastShape shape;
  const Status shape_status = prepare_binary_shape(ctx, &shape);
  if (shape_status != Status::kOk) return shape_status;
  const TensorView input1 = ctx.input(0), input2 = ctx.input(1), output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_MulOptions();
  const auto activation =
      options ? options->fused_activation_function() : tflite::ActivationFunctionType::NONE;

  const DataType type = output.type;
  if (input1.type != type || input2.type != type)
    return ctx.fail(Status::kUnsupported, "inputs and output must have the same dtype");

  MulData d;
  d.shape = shape;
  d.input1_offset = d.input2_offset = d.output_offset = 0;
  d.act_min = INT32_MIN;
  d.act_max = INT32_MAX;
  d.act_min_f = d.act_max_f = 0.0f;
  switch (type) {
    case DataType::kFloat32:
      if (!float_activation_range(activation, &d.act_min_f, &d.act_max_f))
        return ctx.fail(Status::kUnsupported, "fused activation is not supported");
      break;
    case DataType::kInt32:
      if (!int32_activation_range(activation, &d.act_min, &d.act_max))
        return ctx.fail(Status::kUnsupported, "fused activation is not supported");
      break;
    case DataType::kInt8:
    case DataType::kInt16: {
      if (!input1.is_quantized() || !input2.is_quantized() || !output.is_quantized())
        return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
      if (!valid_per_tensor_quantization(input1) || !valid_per_tensor_quantization(input2) ||
          !valid_per_tensor_quantization(output))
        return ctx.fail(Status::kUnsupported,
                        "needs one positive scale per tensor and zero points in the dtype range");
      if (type == DataType::kInt16 &&
          (input1.zero_point() != 0 || input2.zero_point() != 0 || output.zero_point() != 0))
        return ctx.fail(Status::kUnsupported, "int16 tensors must have zero point 0");
      d.input1_offset = -input1.zero_point();
      d.input2_offset = -input2.zero_point();
      d.output_offset = output.zero_point();
      const double real = static_cast<double>(input1.scale()) *
                          static_cast<double>(input2.scale()) / static_cast<double>(output.scale());
      d.multiplier = quantize_multiplier(real);
      if (!multiplier_in_range(d.multiplier))
        return ctx.fail(Status::kUnsupported, "output scale too small for the input scales");
      if (!quantized_activation_range(activation, output, &d.act_min, &d.act_max))
        return ctx.fail(Status::kUnsupported, "fused activation is not supported");
      if (d.act_min > d.act_max)
        return ctx.fail(Status::kUnsupported, "fused activation range is empty for this output");
      break;
    }
    default:
      return ctx.fail(Status::kUnsupported, "dtype must be float32, int8, int16 or int32");
  }

  auto* data = ctx.allocate_persistent<MulData>();
  allow_elementwise_in_place(ctx, 0);
  allow_elementwise_in_place(ctx, 1);
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

template <typename T>
struct QuantizedMul {
  const MulData& d;
  T operator()(T x, T y) const {
    const int32_t product = (d.input1_offset + x) * (d.input2_offset + y);
    // Multipliers above one can bring the scaled product near the int32 limits; adding the
    // zero point wraps there as it does in TFLM, without undefined behaviour.
    const int32_t result = wrapping_add(
        multiply_by_quantized_multiplier(product, d.multiplier.multiplier, d.multiplier.shift),
        d.output_offset);
    return static_cast<T>(clamp32(result, d.act_min, d.act_max));
  }
};

struct FloatMul {
  float lo, hi;
  float operator()(float x, float y) const { return clampf(x * y, lo, hi); }
};

struct Int32Mul {
  int32_t lo, hi;
  int32_t operator()(int32_t x, int32_t y) const { return clamp32(wrapping_mul(x, y), lo, hi); }
};

Status eval(EvalContext& ctx) {
  const MulData& d = *ctx.persistent<MulData>();
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  switch (out.type) {
    case DataType::kFloat32:
      broadcast_apply(d.shape, a.as<float>(), b.as<float>(), out.as<float>(),
                      FloatMul{d.act_min_f, d.act_max_f});
      break;
    case DataType::kInt32:
      broadcast_apply(d.shape, a.as<int32_t>(), b.as<int32_t>(), out.as<int32_t>(),
                      Int32Mul{d.act_min, d.act_max});
      break;
    case DataType::kInt8:
      broadcast_apply(d.shape, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>(),
                      QuantizedMul<int8_t>{d});
      break;
    default:
      broadcast_apply(d.shape, a.as<int16_t>(), b.as<int16_t>(), out.as<int16_t>(),
                      QuantizedMul<int16_t>{d});
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_MUL = {
    static_cast<int32_t>(tflite::BuiltinOperator::MUL), 1, 7, prepare, eval, false};

}  // namespace tinyforge
