// SignalEnergy: the squared magnitude re^2 + im^2 of spectrum bins [start_index, end_index) as
// uint32 (TFLite Micro's signal library). TFLM leaves the other output elements as they were;
// here they are 0, so the output never depends on what the arena held before.
#include <string.h>

#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"

namespace tinyforge {
namespace {

struct EnergyData {
  int32_t start;
  int32_t end;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kUInt32, 1)) != Status::kOk)
    return s;
  const int64_t bins = input.elements() / 2;
  if (output.elements() < bins)
    return ctx.fail(Status::kMalformedModel, "output is shorter than the spectrum");
  FlexbufferMap options;
  int32_t start, end;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "start_index", 0, bins, &start)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "end_index", start, bins, &end)) != Status::kOk)
    return s;
  auto* data = ctx.allocate_persistent<EnergyData>();
  if (ctx.sizing()) return Status::kOk;
  *data = {start, end};
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const EnergyData& d = *ctx.persistent<EnergyData>();
  const int16_t* spectrum = ctx.input(0).as<int16_t>();
  const TensorView output = ctx.output(0);
  uint32_t* out = output.as<uint32_t>();
  memset(out, 0, output.bytes());
  for (int32_t i = d.start; i < d.end; ++i) {
    const int32_t re = spectrum[2 * i], im = spectrum[2 * i + 1];
    out[i] = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalEnergy = {
    custom_op_code(CustomOp::kSignalEnergy), 1, 1, prepare, eval, false};

}  // namespace tinyforge
