// TFLite's MultiplyByQuantizedMultiplier for int8 outputs in fewer instructions, for the inner
// loops of the fast kernels.
//
// The reference rounds the doubling high product with a sign-dependent nudge and a division that
// truncates toward zero. For a product p != 0 both branches equal floor((p + 2^30) / 2^31): for
// p >= 0 directly, for p < 0 because truncating the negative (p + 1 - 2^30) / 2^31 is its ceiling,
// floor((p + 1 - 2^30 + 2^31 - 1) / 2^31). The saturating case (both operands INT32_MIN) cannot
// occur: quantize_multiplier never produces a negative multiplier.
#ifndef TINYFORGE_KERNELS_ARM_REQUANTIZE_H_
#define TINYFORGE_KERNELS_ARM_REQUANTIZE_H_

#include <stdint.h>

#include "kernels/quant_math.h"

namespace tinyforge {
namespace fast {

// floor((x * multiplier + 2^30) / 2^31): the reference's doubling high product (see above).
inline int32_t doubling_high_product(int32_t x, int32_t multiplier) {
  const int64_t product = static_cast<int64_t>(x) * multiplier;
  return static_cast<int32_t>((product + (int64_t{1} << 30)) >> 31);
}

// The two shift directions as separate branches (the reference's generic form costs a rounding
// step even when it divides by 2^0). Right shifts above 31 are undefined in the reference too.
inline int32_t multiply_by_quantized_multiplier(int32_t x, const QuantizedMultiplier& m) {
  if (m.shift > 0) {
    return doubling_high_product(static_cast<int32_t>(static_cast<uint32_t>(x) << m.shift),
                                 m.multiplier);
  }
  const int32_t high = doubling_high_product(x, m.multiplier);
  const int exponent = -m.shift;
  const int32_t mask = static_cast<int32_t>((uint32_t{1} << exponent) - 1);
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> exponent) + ((high & mask) > threshold ? 1 : 0);
}

// Output zero point and activation clamp of an int8 output.
struct Int8Output {
  int32_t offset;
  int32_t act_min, act_max;
};

// Arguments by value: callers keep them in registers across their int8 stores (which may alias
// anything, so fields read through references would be reloaded after every output).
inline int8_t requantize_int8(int32_t acc, QuantizedMultiplier m, Int8Output out) {
  const int32_t value = multiply_by_quantized_multiplier(acc, m) + out.offset;
  return static_cast<int8_t>(clamp32(value, out.act_min, out.act_max));
}

}  // namespace fast
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ARM_REQUANTIZE_H_
