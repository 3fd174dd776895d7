// Reference arithmetic for the TRANSPOSE_CONV / SVDF / BATCH_MATMUL tests, independent of the
// runtime: TFLite's 64-bit-accumulator requantization (int16x8 kernels) evaluated with 128-bit
// integers.
#ifndef TINYFORGE_TESTS_SUPPORT_TCONV_SVDF_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_TCONV_SVDF_REFERENCE_H_

#include <cstdint>

#include "tests/support/quant_reference.h"

namespace tinyforge::testing {

// acc * real_multiplier as TFLite's int64 MultiplyByQuantizedMultiplier computes it: the Q31
// mantissa is rounded to 16 bits (saturating at 0x7FFF), then one shift right by 15 - exponent
// rounding half up.
inline int64_t reference_requantize_int64(int64_t acc, double real_multiplier) {
  int64_t mantissa;
  int exponent;
  reference_quantize_multiplier(real_multiplier, &mantissa, &exponent);
  const int64_t reduced = mantissa < 0x7FFF0000 ? (mantissa + (1 << 15)) / (1 << 16) : 0x7FFF;
  const int shift = 15 - exponent;
  const __int128 product = static_cast<__int128>(acc) * reduced;
  const __int128 divisor = static_cast<__int128>(1) << shift;
  // floor((product + divisor / 2) / divisor)
  __int128 numerator = product + divisor / 2;
  __int128 quotient = numerator / divisor;
  if (numerator % divisor != 0 && numerator < 0) quotient -= 1;
  return static_cast<int64_t>(quotient);
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_TCONV_SVDF_REFERENCE_H_
