// MINIMUM and MAXIMUM with broadcasting: float32, int8, int16, int32, int64. As in TFLite Micro,
// quantized values are compared raw (no rescaling), so the output takes the inputs' quantization.
// MAXIMUM is `a > b ? a : b`, MINIMUM `a < b ? a : b` (the first operand wins ties and NaNs).
#include "kernels/binary_common.h"
#include "kernels/broadcast.h"
#include "kernels/kernel.h"

namespace tinyforge {
namespace {

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  BroadcastShape shape;
  const Status shape_status = prepare_binary_shape(ctx, &shape);
  if (shape_status != Status::kOk) return shape_status;
  const TensorView input1 = ctx.input(0), input2 = ctx.input(1), output = ctx.output(0);
  const DataType type = output.type;
  if (input1.type != type || input2.type != type)
    return ctx.fail(Status::kUnsupported, "inputs and output must have the same dtype");
  if (type != DataType::kFloat32 && type != DataType::kInt8 && type != DataType::kInt16 &&
      type != DataType::kInt32 && type != DataType::kInt64)
    return ctx.fail(Status::kUnsupported, "dtype must be float32, int8, int16, int32 or int64");
  auto* data = ctx.allocate_persistent<BroadcastShape>();
  if (ctx.sizing()) return Status::kOk;
  *data = shape;
  return Status::kOk;
}

struct Max {
  template <typename T>
  T operator()(T a, T b) const {
    return a > b ? a : b;
  }
};

struct Min {
  template <typename T>
  T operator()(T a, T b) const {
    return a < b ? a : b;
  }
};

template <typename T, typename Op>
void run(const BroadcastShape& shape, const TensorView& a, const TensorView& b,
         const TensorView& out) {
  broadcast_apply(shape, a.as<T>(), b.as<T>(), out.as<T>(), Op());
}

template <typename Op>
Status eval(EvalContext& ctx) {
  const BroadcastShape& shape = *ctx.persistent<BroadcastShape>();
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  switch (out.type) {
    case DataType::kFloat32:
      run<float, Op>(shape, a, b, out);
      break;
    case DataType::kInt8:
      run<int8_t, Op>(shape, a, b, out);
      break;
    case DataType::kInt16:
      run<int16_t, Op>(shape, a, b, out);
      break;
    case DataType::kInt32:
      run<int32_t, Op>(shape, a, b, out);
      break;
    default:
      run<int64_t, Op>(shape, a, b, out);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_MAXIMUM = {
    static_cast<int32_t>(tflite::BuiltinOperator::MAXIMUM), 1, 4, prepare, eval<Max>, false};
extern const KernelRegistration kKernel_MINIMUM = {
    static_cast<int32_t>(tflite::BuiltinOperator::MINIMUM), 1, 4, prepare, eval<Min>, false};

}  // namespace tinyforge
