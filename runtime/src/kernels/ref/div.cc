// DIV with broadcasting: float32 and int32 as TFLite's reference kernel (int32: C++ division,
// truncating toward zero), with the fused activation clamp. Where TFLite's int32 result is
// undefined, it is defined here: x / 0 gives 0 and INT32_MIN / -1 gives INT32_MAX.
#include "kernels/binary_common.h"
#include "kernels/broadcast.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct DivData {
  BroadcastShape shape;
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
  const auto* options = ctx.op().builtin_options_as_DivOptions();
  const auto activation =
      options ? options->fused_activation_function() : tflite::ActivationFunctionType::NONE;
  const DataType type = output.type;
  if (input1.type != type || input2.type != type)
    return ctx.fail(Status::kUnsupported, "inputs and output must have the same dtype");
  DivData d{shape, INT32_MIN, INT32_MAX, 0.0f, 0.0f};
  if (type == DataType::kFloat32 && kWithFloat32) {
    if (!float_activation_range(activation, &d.act_min_f, &d.act_max_f))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else if (type == DataType::kInt32) {
    if (input1.is_quantized() || input2.is_quantized())
      return ctx.fail(Status::kUnsupported, "int32 DIV takes unquantized tensors");
    if (!int32_activation_range(activation, &d.act_min, &d.act_max))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else {
    return ctx.fail(Status::kUnsupported, "dtype must be float32 or int32");
  }
  auto* data = ctx.allocate_persistent<DivData>();
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

struct FloatDiv {
  float lo, hi;
  float operator()(float x, float y) const { return clampf(x / y, lo, hi); }
};

struct Int32Div {
  int32_t lo, hi;
  int32_t operator()(int32_t x, int32_t y) const {
    const int32_t q = y == 0 ? 0 : (x == INT32_MIN && y == -1) ? INT32_MAX : x / y;
    return clamp32(q, lo, hi);
  }
};

Status eval(EvalContext& ctx) {
  const DivData& d = *ctx.persistent<DivData>();
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  if (out.type == DataType::kInt32) {
    broadcast_apply(d.shape, a.as<int32_t>(), b.as<int32_t>(), out.as<int32_t>(),
                    Int32Div{d.act_min, d.act_max});
  } else if (kWithFloat32) {
    broadcast_apply(d.shape, a.as<float>(), b.as<float>(), out.as<float>(),
                    FloatDiv{d.act_min_f, d.act_max_f});
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_DIV = {
    static_cast<int32_t>(tflite::BuiltinOperator::DIV), 1, 2, prepare, eval, false};

}  // namespace tinyforge
