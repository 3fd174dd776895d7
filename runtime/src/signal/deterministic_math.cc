#include "signal/deterministic_math.h"

#include <string.h>

namespace tinyforge {
namespace {

float from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}

uint32_t to_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof(bits));
  return bits;
}

constexpr double kHalfPi = 1.57079632679489661923;

// The Taylor series of sin and cos for |a| <= pi / 4, nested so each term is the previous one
// times a^2 / ((2k)(2k + 1)) or a^2 / ((2k - 1)(2k)); 11 terms leave an error below 1e-24.
constexpr int kSeriesTerms = 11;

double sin_reduced(double a) {
  const double a2 = a * a;
  double r = 1.0;
  for (int k = kSeriesTerms; k >= 1; --k)
    r = 1.0 - a2 / static_cast<double>(2 * k * (2 * k + 1)) * r;
  return a * r;
}

double cos_reduced(double a) {
  const double a2 = a * a;
  double r = 1.0;
  for (int k = kSeriesTerms; k >= 1; --k)
    r = 1.0 - a2 / static_cast<double>((2 * k - 1) * 2 * k) * r;
  return r;
}

}  // namespace

float deterministic_log(float x) {
  uint32_t bits = to_bits(x);
  if (bits == 0 || bits == 0x80000000u) return from_bits(0xFF800000u);  // -inf
  if (bits >= 0x80000000u || (bits & 0x7F800000u) == 0x7F800000u) {
    // Negative or NaN: the quiet NaN both architectures would print, not whatever payload
    // either would propagate. +inf stays +inf.
    return bits == 0x7F800000u ? x : from_bits(0x7FC00000u);
  }
  int32_t exponent = 0;
  if (bits < 0x00800000u) {  // subnormal: scale into the normal range first (exact)
    bits = to_bits(x * 8388608.0f);
    exponent = -23;
  }
  exponent += static_cast<int32_t>(bits >> 23) - 127;
  float m = from_bits((bits & 0x007FFFFFu) | 0x3F800000u);  // in [1, 2)
  // Centre the mantissa on 1 ([sqrt(1/2), sqrt(2)]) so the series below converges fast.
  if (m > 1.41421356f) {
    m *= 0.5f;
    exponent += 1;
  }
  // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1), |s| <= 0.172.
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  float series = 1.0f / 11.0f;
  series = series * s2 + 1.0f / 9.0f;
  series = series * s2 + 1.0f / 7.0f;
  series = series * s2 + 1.0f / 5.0f;
  series = series * s2 + 1.0f / 3.0f;
  const float log_m = 2.0f * s + 2.0f * s * s2 * series;
  // ln 2 split in two (Cody and Waite) so exponent * high part is exact.
  const float e = static_cast<float>(exponent);
  constexpr float kLn2High = 0.693145751953125f;
  constexpr float kLn2Low = 1.428606820309417232e-6f;
  return e * kLn2High + (e * kLn2Low + log_m);
}

void sin_cos_of_turn(int64_t k, int64_t n, double* sine, double* cosine) {
  k %= n;
  if (k < 0) k += n;
  // 4k = quadrant * n + r: the angle is quadrant * pi/2 + (pi/2) r/n, and past the octant's
  // middle sin and cos of the complement are taken instead.
  const int64_t quadrant = 4 * k / n, r = 4 * k - quadrant * n;
  double s, c;
  if (2 * r <= n) {
    const double a = kHalfPi * static_cast<double>(r) / static_cast<double>(n);
    s = sin_reduced(a);
    c = cos_reduced(a);
  } else {
    const double a = kHalfPi * static_cast<double>(n - r) / static_cast<double>(n);
    s = cos_reduced(a);
    c = sin_reduced(a);
  }
  switch (quadrant) {
    case 0:
      *sine = s;
      *cosine = c;
      break;
    case 1:
      *sine = c;
      *cosine = -s;
      break;
    case 2:
      *sine = -s;
      *cosine = -c;
      break;
    default:
      *sine = -c;
      *cosine = s;
      break;
  }
}

double deterministic_tan(double a) {
  if (a <= kHalfPi / 2) return sin_reduced(a) / cos_reduced(a);
  const double b = kHalfPi - a;
  return cos_reduced(b) / sin_reduced(b);
}

}  // namespace tinyforge
