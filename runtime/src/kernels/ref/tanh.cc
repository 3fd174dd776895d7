// TANH. float32; int8 through TFLite's Q4.27 fixed-point tanh (output scale 1/128, zero point
// 0); int16 through TFLite's sigmoid table, tanh(x) = 2 * sigmoid(2x) - 1 (zero points 0,
// output scale 1/32768).
#include "kernels/activations_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct TanhData {
  int32_t size;
  int32_t input_zero_point;
  act::SigmoidInt8Params int8;
  act::SigmoidInt16Params int16;
};

Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.type != DataType::kFloat32 && input.type != DataType::kInt8 &&
      input.type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  act::SigmoidInt8Params int8{};
  act::SigmoidInt16Params int16{};
  if (input.type != DataType::kFloat32) {
    if (!act::has_tensor_quantization(input) || !act::has_tensor_quantization(output))
      return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
  }
  if (input.type == DataType::kInt8) {
    if (output.zero_point() != 0 || output.scale() != 1.0f / 128)
      return ctx.fail(Status::kUnsupported, "int8 output needs scale 1/128 and zero point 0");
    if (!act::sigmoid_int8_params(input.scale(), &int8))
      return ctx.fail(Status::kUnsupported, "input scale is out of range");
  } else if (input.type == DataType::kInt16) {
    if (input.zero_point() != 0 || output.zero_point() != 0)
      return ctx.fail(Status::kUnsupported, "int16 tensors must have zero point 0");
    const char* problem = act::sigmoid_int16_params(input.scale(), output.scale(), 1, &int16);
    if (problem != nullptr) return ctx.fail(Status::kUnsupported, problem);
  }
  auto* data = ctx.allocate_persistent<TanhData>();
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->input_zero_point = input.zero_point();
  data->int8 = int8;
  data->int16 = int16;
  return Status::kOk;
}

void eval_int8(const TanhData& d, const int8_t* input, int8_t* output) {
  const act::SigmoidInt8Params& p = d.int8;
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = static_cast<int32_t>(input[i]) - d.input_zero_point;
    if (x <= -p.radius) {
      output[i] = -128;
    } else if (x >= p.radius) {
      output[i] = 127;
    } else {
      const int32_t q4 = multiply_by_quantized_multiplier(x, p.multiplier, p.shift);
      const int32_t q0 = act::fixed_tanh(q4, 4);
      output[i] = static_cast<int8_t>(clamp32(rounding_divide_by_pot(q0, 24), -128, 127));
    }
  }
}

void eval_int16(const TanhData& d, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < d.size; ++i)
    output[i] = act::tanh_int16_lookup(act::sigmoid_int16_rescale(input[i], d.int16));
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<TanhData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32: {
      const float* in = input.as<float>();
      float* out = output.as<float>();
      for (int32_t i = 0; i < d.size; ++i) out[i] = tanhf(in[i]);
      break;
    }
    case DataType::kInt8:
      eval_int8(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      eval_int16(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TANH = {
    static_cast<int32_t>(tflite::BuiltinOperator::TANH), 1, 3, prepare, eval, false};

}  // namespace tinyforge
