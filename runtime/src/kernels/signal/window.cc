// SignalWindow: each frame of int16 samples times an int16 window, shifted right and saturated
// (TFLite Micro's signal library; the window's length divides the input).
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"

namespace tinyforge {
namespace {

struct WindowData {
  int32_t shift;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 2, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), window = ctx.input(1), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kInt16, -1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, window, "window", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kInt16, input.rank)) !=
          Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", input.elements())) != Status::kOk)
    return s;
  if (input.elements() % window.elements() != 0)
    return ctx.fail(Status::kMalformedModel, "the window's length does not divide the input's");
  FlexbufferMap options;
  int32_t shift;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "shift", 0, 31, &shift)) != Status::kOk)
    return s;
  // Each sample is read before its output is written.
  ctx.allow_in_place(0, 0);
  auto* data = ctx.allocate_persistent<WindowData>();
  if (ctx.sizing()) return Status::kOk;
  data->shift = shift;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const int32_t shift = ctx.persistent<WindowData>()->shift;
  const TensorView input = ctx.input(0), window = ctx.input(1);
  const int16_t* in = input.as<int16_t>();
  const int16_t* weights = window.as<int16_t>();
  int16_t* out = ctx.output(0).as<int16_t>();
  const int64_t total = input.elements(), length = window.elements();
  for (int64_t frame = 0; frame < total; frame += length) {
    for (int64_t i = 0; i < length; ++i) {
      const int32_t product = (static_cast<int32_t>(in[frame + i]) * weights[i]) >> shift;
      out[frame + i] = static_cast<int16_t>(product < INT16_MIN   ? INT16_MIN
                                            : product > INT16_MAX ? INT16_MAX
                                                                  : product);
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalWindow = {
    custom_op_code(CustomOp::kSignalWindow), 1, 1, prepare, eval, false};

}  // namespace tinyforge
