// TinyforgeMotionFilter: each axis of a float32 [window, axes] window through a 2nd-order
// Butterworth low- or high-pass filter (signal/motion_features.h has the options).
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/motion_options.h"

namespace tinyforge {
namespace {

struct FilterData {
  signal::MotionWindow window;
  signal::MotionFilter filter;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (!kWithFloat32) return ctx.fail(Status::kUnsupported, "float32 is left out of this build");
  Status s = signal::expect_operands(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  signal::MotionWindow window;
  if ((s = signal::read_motion_window(ctx, input, &window)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kFloat32, input.rank)) !=
          Status::kOk)
    return s;
  if (!same_shape(input, output))
    return ctx.fail(Status::kMalformedModel, "output's shape differs from the input's");
  FlexbufferMap options;
  double sample_rate;
  signal::MotionFilter filter;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::expect_known_keys(ctx, options, signal::kMotionFilterKeys,
                                     signal::kMotionFilterKeyCount)) != Status::kOk ||
      (s = signal::read_motion_filter(ctx, options, /*require_filter=*/true, &sample_rate,
                                      &filter)) != Status::kOk)
    return s;
  // Each sample is read before the output at its position is written (biquad_filter).
  ctx.allow_in_place(0, 0);
  auto* data = ctx.allocate_persistent<FilterData>();
  if (ctx.sizing()) return Status::kOk;
  *data = {window, filter};
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  if constexpr (kWithFloat32) {
    const FilterData& d = *ctx.persistent<FilterData>();
    const float* in = ctx.input(0).as<float>();
    float* out = ctx.output(0).as<float>();
    for (int32_t a = 0; a < d.window.axes; ++a) {
      biquad_filter(d.filter.biquad, in + a, d.window.axes, d.window.samples, d.filter.steady_start,
                    out + a, d.window.axes);
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TinyforgeMotionFilter = {
    custom_op_code(CustomOp::kTinyforgeMotionFilter), 1, 1, prepare, eval, false};

}  // namespace tinyforge
