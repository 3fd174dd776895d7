// TANH. float32; int8 through TFLite's Q4.27 fixed-point tanh (output scale 1/128, zero point
// 0); int16 through TFLite's sigmoid table, tanh(x) = 2 * sigmoid(2x) - 1 (zero points 0,
// output scale 1/32768).
#include "kernels/activations_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using Data = act::SigmoidFamilyData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  return act::prepare_sigmoid_family(ctx, 1.0f / 128, 0,
                                     "int8 output needs scale 1/128 and zero point 0", 1);
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
      const int32_t q0 = act::fixed_tanh(q4, 4);
      output[i] = static_cast<int8_t>(clamp32(rounding_divide_by_pot(q0, 24), -128, 127));
    }
  }
}

void eval_int16(const Data& d, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < d.size; ++i)
    output[i] = act::tanh_int16_lookup(act::sigmoid_int16_rescale(input[i], d.int16));
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<Data>();
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
