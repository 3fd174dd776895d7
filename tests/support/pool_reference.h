// Reference arithmetic for the pooling / reduction / resize kernel tests, independent of the
// runtime: TFLite's MEAN requantization (a multiplier with 1/count folded in) evaluated exactly
// with 128-bit integers.
#ifndef TINYFORGE_TESTS_SUPPORT_POOL_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_POOL_REFERENCE_H_

#include <algorithm>
#include <cstdint>

#include "tests/support/quant_reference.h"

namespace tinyforge::testing {

// acc * mantissa * 2^(exponent - 31) with TFLite's two roundings (Q31 product half up, final
// shift half away from zero).
inline int64_t reference_apply_multiplier(int64_t acc, int64_t mantissa, int exponent) {
  const int left = exponent > 0 ? exponent : 0;
  const int right = exponent > 0 ? 0 : -exponent;
  const __int128 product = static_cast<__int128>(acc) * (int64_t{1} << left) * mantissa;
  const __int128 one = 1;
  __int128 high = product + (one << 30);
  high = high >= 0 ? high >> 31 : -((-high + ((one << 31) - 1)) >> 31);
  if (right == 0) return static_cast<int64_t>(high);
  const __int128 divisor = one << right;
  const __int128 magnitude = high < 0 ? -high : high;
  const __int128 rounded = (magnitude + divisor / 2) / divisor;
  return static_cast<int64_t>(high < 0 ? -rounded : rounded);
}

// TFLite's quantized MEAN output for one sum: real multiplier in_scale / out_scale, with
// 1/count folded into the mantissa (k = floor(log2 count), at most 32 and at most 31 + exponent),
// then requantized. `centered_sum` is sum(q) - input_zero_point * count.
inline int64_t reference_mean_requantize(int64_t centered_sum, double real, int64_t count) {
  int64_t mantissa;
  int exponent;
  reference_quantize_multiplier(real, &mantissa, &exponent);
  int k = 0;
  while ((int64_t{2} << k) <= count) ++k;
  k = std::min(k, 32);
  k = std::min(k, 31 + exponent);
  mantissa = static_cast<int64_t>((static_cast<__int128>(mantissa) << k) / count);
  return reference_apply_multiplier(centered_sum, mantissa, exponent - k);
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_POOL_REFERENCE_H_
