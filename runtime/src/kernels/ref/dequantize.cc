// DEQUANTIZE: int8 / uint8 / int16 -> float32, value = scale * (q - zero_point) in float.
#include "kernels/activations_common.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct DequantizeData {
  int32_t size;
  float scale;
  int32_t zero_point;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status status = act::check_unary(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (input.type != DataType::kInt8 && input.type != DataType::kUInt8 &&
      input.type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be int8, uint8 or int16");
  if (output.type != DataType::kFloat32)
    return ctx.fail(Status::kUnsupported, "output dtype must be float32");
  if (!act::has_tensor_quantization(input))
    return ctx.fail(Status::kUnsupported,
                    "input needs one scale and zero point (per-channel is not supported)");
  auto* data = ctx.allocate_persistent<DequantizeData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->scale = input.scale();
  data->zero_point = input.zero_point();
  return Status::kOk;
}

template <typename In>
void dequantize(const DequantizeData& d, const In* input, float* output) {
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t centered = static_cast<int32_t>(input[i]) - d.zero_point;
    output[i] = d.scale * static_cast<float>(centered);
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<DequantizeData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kInt8:
      dequantize(d, input.as<int8_t>(), output.as<float>());
      break;
    case DataType::kUInt8:
      dequantize(d, input.as<uint8_t>(), output.as<float>());
      break;
    default:
      dequantize(d, input.as<int16_t>(), output.as<float>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_DEQUANTIZE = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEQUANTIZE), 1, 6, prepare, eval, false};

}  // namespace tinyforge
