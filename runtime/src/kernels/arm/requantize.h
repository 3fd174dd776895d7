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

inline int32_t multiply_by_quantized_multiplier(int32_t x, const QuantizedMultiplier& m) {
  const int left_shift = m.shift > 0 ? m.shift : 0;
  const int right_shift = m.shift > 0 ? 0 : -m.shift;
  const int64_t product =
      static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift)) *
      m.multiplier;
  const int32_t high = static_cast<int32_t>((product + (int64_t{1} << 30)) >> 31);
  return rounding_divide_by_pot(high, right_shift);
}

// Output zero point and activation clamp of an int8 output.
struct Int8Output {
  int32_t offset;
  int32_t act_min, act_max;
};

inline int8_t requantize_int8(int32_t acc, const QuantizedMultiplier& m, const Int8Output& out) {
  const int32_t value = multiply_by_quantized_multiplier(acc, m) + out.offset;
  return static_cast<int8_t>(clamp32(value, out.act_min, out.act_max));
}

}  // namespace fast
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ARM_REQUANTIZE_H_
