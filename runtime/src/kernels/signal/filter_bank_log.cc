// SignalFilterBankLog: the natural log of each channel (scaled up by input_correction_bits first),
// times output_scale / 65536, saturated to int16; channels of 0 or 1 give 0 (TFLite Micro's signal
// library, signal/integer_math.h's table-driven log).
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/integer_math.h"

namespace tinyforge {
namespace {

struct LogData {
  uint32_t correction_bits;
  uint32_t output_scale;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", input.elements())) != Status::kOk)
    return s;
  FlexbufferMap options;
  int32_t correction_bits, output_scale;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "input_correction_bits", 0, 31, &correction_bits)) !=
          Status::kOk ||
      (s = signal::int_option(ctx, options, "output_scale", INT32_MIN, INT32_MAX, &output_scale)) !=
          Status::kOk)
    return s;
  auto* data = ctx.allocate_persistent<LogData>();
  if (ctx.sizing()) return Status::kOk;
  *data = {static_cast<uint32_t>(correction_bits), static_cast<uint32_t>(output_scale)};
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const LogData& d = *ctx.persistent<LogData>();
  const TensorView input = ctx.input(0);
  const uint32_t* in = input.as<uint32_t>();
  int16_t* out = ctx.output(0).as<int16_t>();
  for (int64_t i = 0; i < input.elements(); ++i) {
    const uint32_t scaled = in[i] << d.correction_bits;
    if (scaled <= 1) {
      out[i] = 0;
      continue;
    }
    const uint32_t log = log_scaled(scaled, d.output_scale);
    out[i] = static_cast<int16_t>(log < INT16_MAX ? log : INT16_MAX);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalFilterBankLog = {
    custom_op_code(CustomOp::kSignalFilterBankLog), 1, 1, prepare, eval, false};

}  // namespace tinyforge
