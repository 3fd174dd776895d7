// SignalFilterBankSquareRoot: the rounded square root of each uint64 channel, shifted right by
// the FFT's auto-scale (input 1) to undo it (TFLite Micro's signal library). A shift outside
// 0..31, which SignalFftAutoScale never produces, is clamped to that range.
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/integer_math.h"

namespace tinyforge {
namespace {

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 2, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), shift = ctx.input(1), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kUInt64, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, shift, "input 1 (the shift)", DataType::kInt32, 0)) !=
          Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", input.elements())) != Status::kOk)
    return s;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const TensorView input = ctx.input(0);
  const uint64_t* in = input.as<uint64_t>();
  int32_t shift = *ctx.input(1).as<int32_t>();
  shift = shift < 0 ? 0 : shift > 31 ? 31 : shift;
  uint32_t* out = ctx.output(0).as<uint32_t>();
  for (int64_t i = 0; i < input.elements(); ++i) out[i] = isqrt_rounded64(in[i]) >> shift;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalFilterBankSquareRoot = {
    custom_op_code(CustomOp::kSignalFilterBankSquareRoot), 1, 1, prepare, eval, false};

}  // namespace tinyforge
