#include "signal/biquad.h"

#include "signal/deterministic_math.h"

namespace tinyforge {

Biquad butterworth_biquad(FilterKind kind, double cutoff_hz, double sample_rate_hz) {
  constexpr double kPi = 3.14159265358979323846, kSqrt2 = 1.41421356237309504880;
  // The analog prototype 1 / (s^2 + sqrt(2) s + 1) through s = (1 / K) (z - 1) / (z + 1), with
  // K = tan(pi fc / fs) so the digital filter's -3 dB point lands exactly on fc.
  const double k = deterministic_tan(kPi * (cutoff_hz / sample_rate_hz));
  const double k2 = k * k;
  const double norm = 1.0 / (1.0 + kSqrt2 * k + k2);
  const double a1 = 2.0 * (k2 - 1.0) * norm, a2 = (1.0 - kSqrt2 * k + k2) * norm;
  Biquad f;
  if (kind == FilterKind::kLowPass) {
    const double b0 = k2 * norm;
    f = {static_cast<float>(b0), static_cast<float>(2.0 * b0), static_cast<float>(b0),
         static_cast<float>(a1), static_cast<float>(a2),       1.0f};
  } else {
    f = {static_cast<float>(norm), static_cast<float>(-2.0 * norm), static_cast<float>(norm),
         static_cast<float>(a1),   static_cast<float>(a2),          0.0f};
  }
  return f;
}

BiquadState biquad_start(const Biquad& f, float x0, bool steady_start) {
  if (!steady_start) return {0.0f, 0.0f};
  // The state a constant input x0 settles to, whose output is dc_gain * x0.
  const float y0 = f.dc_gain * x0;
  const float s2 = f.b2 * x0 - f.a2 * y0;
  return {f.b1 * x0 - f.a1 * y0 + s2, s2};
}

void biquad_filter(const Biquad& f, const float* in, int32_t in_stride, int32_t count,
                   bool steady_start, float* out) {
  if (count <= 0) return;
  BiquadState state = biquad_start(f, in[0], steady_start);
  for (int32_t i = 0; i < count; ++i)
    out[i] = biquad_step(f, in[static_cast<int64_t>(i) * in_stride], &state);
}

}  // namespace tinyforge
