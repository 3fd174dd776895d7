// Second-order Butterworth low- and high-pass filters for float32 sample streams (the motion
// kernels' per-axis filter). Coefficients come from the bilinear transform with a pre-warped
// cutoff, computed in double precision without libm (signal/deterministic_math.h) and rounded to
// float, so the host and every board filter with the same coefficients and the same float
// operations in the same order (transposed direct form II).
#ifndef TINYFORGE_SIGNAL_BIQUAD_H_
#define TINYFORGE_SIGNAL_BIQUAD_H_

#include <stdint.h>

namespace tinyforge {

enum class FilterKind : int32_t { kNone = 0, kLowPass = 1, kHighPass = 2 };

// y[i] = b0 x[i] + b1 x[i-1] + b2 x[i-2] - a1 y[i-1] - a2 y[i-2]
struct Biquad {
  float b0, b1, b2, a1, a2;
  float dc_gain;  // 1 for a low-pass, 0 for a high-pass: the steady-state output per unit input
};

// The Butterworth biquad (Q = 1/sqrt(2)) with its -3 dB point at `cutoff_hz`; requires
// kind != kNone and 0 < cutoff_hz < sample_rate_hz / 2.
Biquad butterworth_biquad(FilterKind kind, double cutoff_hz, double sample_rate_hz);

// Filters `count` samples read every `in_stride` floats into `out` (every `out_stride` floats).
// `steady_start`: the state starts as if the first sample had been the input forever (no step
// transient from a constant offset such as gravity); otherwise it starts at zero. Each sample is
// read before the output at the same position is written, so `out` may be `in`.
void biquad_filter(const Biquad& f, const float* in, int32_t in_stride, int32_t count,
                   bool steady_start, float* out, int32_t out_stride);

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_BIQUAD_H_
