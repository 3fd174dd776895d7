#include "signal/motion_options.h"

#include "signal/custom_options.h"
#include "signal/motion_features.h"

namespace tinyforge {
namespace signal {

Status read_motion_window(PrepareContext& ctx, const TensorView& input, MotionWindow* window) {
  if (input.type != DataType::kFloat32) {
    ctx.fail(Status::kUnsupported, "input must be float32, got ");
    ctx.message().add(dtype_name(input.type));
    return Status::kUnsupported;
  }
  if (input.rank != 2 && !(input.rank == 3 && input.dim(0) == 1))
    return ctx.fail(Status::kMalformedModel, "input must be [window, axes] or [1, window, axes]");
  const int32_t samples = input.dim(-2), axes = input.dim(-1);
  if (samples < 2 || samples > kMaxMotionWindow) {
    ctx.fail(Status::kUnsupported, "input's window is ");
    ctx.message().add(samples).add(" samples, expected 2..").add(kMaxMotionWindow);
    return Status::kUnsupported;
  }
  if (axes < 1 || axes > kMaxMotionAxes) {
    ctx.fail(Status::kUnsupported, "input has ");
    ctx.message().add(axes).add(" axes, expected 1..").add(kMaxMotionAxes);
    return Status::kUnsupported;
  }
  *window = {samples, axes};
  return Status::kOk;
}

Status read_motion_filter(PrepareContext& ctx, const FlexbufferMap& options, bool require_filter,
                          double* sample_rate, MotionFilter* filter) {
  int32_t kind, init;
  Status s;
  if ((s = number_option(ctx, options, "sample_rate", 1, 100000, sample_rate)) != Status::kOk)
    return s;
  if (require_filter) {
    s = int_option(ctx, options, "filter", 1, 2, &kind);
  } else {
    s = optional_int_option(ctx, options, "filter", 0, 2, 0, &kind);
  }
  if (s != Status::kOk ||
      (s = optional_int_option(ctx, options, "filter_init", 0, 1, 1, &init)) != Status::kOk)
    return s;
  filter->kind = static_cast<FilterKind>(kind);
  filter->steady_start = init == 1;
  if (filter->kind == FilterKind::kNone) {
    if (options.has("cutoff_hz"))
      return ctx.fail(Status::kUnsupported, "option 'cutoff_hz' is given without a filter");
    return Status::kOk;
  }
  double cutoff;
  if ((s = number_option(ctx, options, "cutoff_hz", 0, 50000, &cutoff)) != Status::kOk) return s;
  // Below fs / 10000 the float coefficients lose the filter; at fs / 2 the transform's tangent
  // is infinite.
  if (!(cutoff > *sample_rate / 10000 && cutoff < *sample_rate / 2))
    return ctx.fail(Status::kUnsupported,
                    "option 'cutoff_hz' must lie above sample_rate / 10000 and below "
                    "sample_rate / 2");
  filter->biquad = butterworth_biquad(filter->kind, cutoff, *sample_rate);
  return Status::kOk;
}

}  // namespace signal
}  // namespace tinyforge
