// SignalFftAutoScale: shifts int16 samples left as far as the largest magnitude allows, so the
// fixed-point FFT keeps the most precision; output 1 is the shift, which SignalFilterBankSquareRoot
// takes back out (TFLite Micro's signal library).
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/integer_math.h"

namespace tinyforge {
namespace {

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 1, 2);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0), shift = ctx.output(1);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", input.elements())) != Status::kOk ||
      (s = signal::expect_tensor(ctx, shift, "output 1 (the shift)", DataType::kInt32, 0)) !=
          Status::kOk)
    return s;
  // The whole input is read (for its maximum) before any output is written.
  ctx.allow_in_place(0, 0);
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const TensorView input = ctx.input(0);
  const int16_t* in = input.as<int16_t>();
  int16_t* out = ctx.output(0).as<int16_t>();
  const int64_t n = input.elements();
  // TFLM's largest magnitude is an int16: -32768 stays negative, which gives no headroom.
  int16_t largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int16_t v = in[i];
    if (v > largest) {
      largest = v;
    } else if (-v > largest) {
      largest = static_cast<int16_t>(-v);
    }
  }
  int32_t shift = 16 - static_cast<int32_t>(bit_length32(static_cast<uint32_t>(largest))) - 1;
  if (shift < 0) shift = 0;
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(in[i] * (1 << shift));
  *ctx.output(1).as<int32_t>() = shift;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalFftAutoScale = {
    custom_op_code(CustomOp::kSignalFftAutoScale), 1, 1, prepare, eval, false};

}  // namespace tinyforge
