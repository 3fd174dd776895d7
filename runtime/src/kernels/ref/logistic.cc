// LOGISTIC: 1 / (1 + exp(-x)). float32; int8 through TFLite's Q4.27 fixed-point logistic (output
// scale 1/256, zero point -128); int16 through TFLite's sigmoid table with linear interpolation
// (zero points 0, output scale 1/32768).
#include "kernels/activations_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using Data = act::SigmoidFamilyData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  return act::prepare_sigmoid_family(ctx, 1.0f / 256, -128,
                                     "int8 output needs scale 1/256 and zero point -128", 0);
}

void eval_float(const Data& d, const float* input, float* output) {
  const float upper = 16.619047164916992188f, lower = -9.0f;
  for (int32_t i = 0; i < d.size; ++i) {
    const float x = input[i];
    if (x > upper)
      output[i] = 1.0f;
    else if (x < lower)
      output[i] = expf(x);
    else
      output[i] = 1.0f / (1.0f + expf(-x));
  }
}

void eval_int8(const Data& d, const int8_t* input, int8_t* output) {
  const act::SigmoidInt8Params& p = d.int8;
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t x = static_cast<int32_t>(input[i]) - d.input_zero_point;
    if (x <= -p.radius) {
      output[i] = -128;
    } else if (x >= p.radius) {
      output[i] = 127;
    } else {
      const int32_t q4 = multiply_by_quantized_multiplier(x, p.multiplier, p.shift);
      const int32_t q0 = act::fixed_logistic(q4, 4);
      const int32_t q23 = rounding_divide_by_pot(q0, 23);
      output[i] = static_cast<int8_t>(clamp32(q23 - 128, -128, 127));
    }
  }
}

void eval_int16(const Data& d, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < d.size; ++i)
    output[i] = act::sigmoid_int16_lookup(act::sigmoid_int16_rescale(input[i], d.int16));
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<Data>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      eval_float(d, input.as<float>(), output.as<float>());
      break;
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

extern const KernelRegistration kKernel_LOGISTIC = {
    static_cast<int32_t>(tflite::BuiltinOperator::LOGISTIC), 1, 3, prepare, eval, false};

}  // namespace tinyforge
