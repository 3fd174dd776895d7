// What the motion kernels (TinyforgeMotionFilter, TinyforgeMotionFeatures;
// signal/motion_features.h) share in prepare(): the input window's shape and the per-axis filter's
// options.
#ifndef TINYFORGE_SIGNAL_MOTION_OPTIONS_H_
#define TINYFORGE_SIGNAL_MOTION_OPTIONS_H_

#include <stdint.h>

#include "kernels/kernel.h"
#include "signal/biquad.h"
#include "signal/flexbuffer_map.h"

namespace tinyforge {
namespace signal {

// The option keys read_motion_filter() reads.
constexpr const char* kMotionFilterKeys[] = {"sample_rate", "filter", "cutoff_hz", "filter_init"};
constexpr int kMotionFilterKeyCount = 4;

struct MotionWindow {
  int32_t samples;
  int32_t axes;
};

struct MotionFilter {
  FilterKind kind;
  bool steady_start;
  Biquad biquad;  // only with kind != kNone
};

// `input` (called "input" in messages) is float32 [window, axes] or [1, window, axes] with
// 2 <= window <= kMaxMotionWindow and 1 <= axes <= kMaxMotionAxes.
[[gnu::cold]] Status read_motion_window(PrepareContext& ctx, const TensorView& input,
                                        MotionWindow* window);
// sample_rate, filter, cutoff_hz and filter_init, range-checked, and the filter's coefficients.
// `require_filter`: filter must be 1 or 2 (the filter operator); otherwise 0 (the default) too.
[[gnu::cold]] Status read_motion_filter(PrepareContext& ctx, const FlexbufferMap& options,
                                        bool require_filter, double* sample_rate,
                                        MotionFilter* filter);

}  // namespace signal
}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_MOTION_OPTIONS_H_
