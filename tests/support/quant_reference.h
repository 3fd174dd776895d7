// Independent reference arithmetic for kernel tests: real-valued (double) computations, and
// TFLite's requantization rounding evaluated exactly with 128-bit integers and libm's frexp,
// sharing no code with the runtime's fixed-point helpers.
#ifndef TINYFORGE_TESTS_SUPPORT_QUANT_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_QUANT_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace tinyforge::testing {

// TFLite's split of a real multiplier into Q0.31 mantissa and exponent (frexp, round half away).
inline void reference_quantize_multiplier(double m, int64_t* mantissa, int* exponent) {
  if (m == 0.0) {
    *mantissa = 0;
    *exponent = 0;
    return;
  }
  int e = 0;
  const double q = std::frexp(m, &e);
  int64_t fixed = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    fixed = 0;
  }
  *mantissa = fixed;
  *exponent = e;
}

// acc * real_multiplier with TFLite's two roundings: the Q31 product rounds half up
// (SaturatingRoundingDoublingHighMul), the final right shift rounds half away from zero
// (RoundingDivideByPOT).
inline int64_t reference_requantize(int64_t acc, double real_multiplier) {
  int64_t mantissa;
  int exponent;
  reference_quantize_multiplier(real_multiplier, &mantissa, &exponent);
  const int left = exponent > 0 ? exponent : 0;
  const int right = exponent > 0 ? 0 : -exponent;
  const __int128 product = static_cast<__int128>(acc) * (int64_t{1} << left) * mantissa;
  // floor(product / 2^31 + 1/2)
  const __int128 half = static_cast<__int128>(1) << 30;
  __int128 high = product + half;
  high = high >= 0 ? high >> 31 : -((-high + ((static_cast<__int128>(1) << 31) - 1)) >> 31);
  if (right == 0) return static_cast<int64_t>(high);
  const __int128 divisor = static_cast<__int128>(1) << right;
  const __int128 magnitude = high < 0 ? -high : high;
  __int128 rounded = (magnitude + divisor / 2) / divisor;
  return static_cast<int64_t>(high < 0 ? -rounded : rounded);
}

// round(f / scale) + zero_point clamped to [lo, hi] — TFLite's quantization of a real value.
inline int32_t reference_quantize(double f, double scale, int32_t zero_point, int32_t lo,
                                  int32_t hi) {
  const double q = std::round(f / scale) + zero_point;
  return static_cast<int32_t>(std::clamp(q, static_cast<double>(lo), static_cast<double>(hi)));
}

// A scale of the form a * 2^b with a in [0.5, 1): the range kernels meet in practice.
inline float random_scale(std::mt19937& rng, float lo = 1e-4f, float hi = 0.5f) {
  std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
  return static_cast<float>(std::exp(u(rng)));
}

template <typename T>
T random_int(std::mt19937& rng, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> u(lo, hi);
  return static_cast<T>(u(rng));
}

// n integers uniform in [lo, hi] (by default the whole range of T).
template <typename T>
std::vector<T> random_values(std::mt19937& rng, int64_t n,
                             int64_t lo = std::numeric_limits<T>::min(),
                             int64_t hi = std::numeric_limits<T>::max()) {
  std::vector<T> v(n);
  for (T& x : v) x = random_int<T>(rng, lo, hi);
  return v;
}

// n floats uniform in [lo, hi).
inline std::vector<float> random_floats(std::mt19937& rng, int64_t n, float lo = -4.0f,
                                        float hi = 4.0f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_QUANT_REFERENCE_H_
