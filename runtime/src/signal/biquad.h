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

// The filter's memory (transposed direct form II).
struct BiquadState {
  float s1, s2;
};

// The state before the first sample x0: `steady_start`, as if x0 had been the input forever (no
// step transient from a constant offset such as gravity); otherwise zero.
BiquadState biquad_start(const Biquad& f, float x0, bool steady_start);

inline float biquad_step(const Biquad& f, float x, BiquadState* state) {
  const float y = f.b0 * x + state->s1;
  state->s1 = f.b1 * x - f.a1 * y + state->s2;
  state->s2 = f.b2 * x - f.a2 * y;
  return y;
}

// Filters `count` samples read every `in_stride` floats into `out` (contiguous).
void biquad_filter(const Biquad& f, const float* in, int32_t in_stride, int32_t count,
                   bool steady_start, float* out);

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_BIQUAD_H_
