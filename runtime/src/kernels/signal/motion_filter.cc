// TinyforgeMotionFilter: each axis of a float32 [window, axes] window through a 2nd-order
// Butterworth low- or high-pass filter (signal/motion_features.h has the options).
#include "format/custom_ops.h"
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/deterministic_math.h"
#include "signal/motion_features.h"
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
  // eval() walks the elements in memory order, reading each before writing the output at its
  // position, as an elementwise kernel does.
  allow_elementwise_in_place(ctx, 0);
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
    const int32_t axes = d.window.axes;
    BiquadState state[kMaxMotionAxes];
    for (int32_t a = 0; a < axes; ++a)
      state[a] = biquad_start(d.filter.biquad, in[a], d.filter.steady_start);
    // Sample by sample (all axes of one sample, then the next), so the output may overlap the
    // input from below.
    for (int64_t i = 0, end = static_cast<int64_t>(d.window.samples) * axes; i < end; i += axes) {
      for (int32_t a = 0; a < axes; ++a)
        out[i + a] = canonical_nan(biquad_step(d.filter.biquad, in[i + a], &state[a]));
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TinyforgeMotionFilter = {
    custom_op_code(CustomOp::kTinyforgeMotionFilter), 1, 1, prepare, eval, false};

}  // namespace tinyforge
