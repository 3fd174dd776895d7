// TFLite's MultiplyByQuantizedMultiplier for int8 outputs in fewer instructions, for the inner
// loops of the fast kernels: a general form, and a shorter one for layers whose accumulators
// prepare() has bounded (short_requantization_applies).
//
// The reference rounds the doubling high product with a sign-dependent nudge and a division that
// truncates toward zero. For a product p != 0 both branches equal floor((p + 2^30) / 2^31): for
// p >= 0 directly, for p < 0 because truncating the negative (p + 1 - 2^30) / 2^31 is its ceiling,
// floor((p + 1 - 2^30 + 2^31 - 1) / 2^31). The saturating case (both operands INT32_MIN) cannot
// occur: quantize_multiplier never produces a negative multiplier.
#ifndef TINYFORGE_KERNELS_ARM_REQUANTIZE_H_
#define TINYFORGE_KERNELS_ARM_REQUANTIZE_H_

#include <stdint.h>

#include "kernels/arm/simd.h"
#include "kernels/kernel.h"
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

// multiply_by_quantized_multiplier for |x| < 2^30 and a right shift e = -m.shift in 1 .. 30:
// SMMULR of 2x (exact in int32) is floor((2xm + 2^31) / 2^32) = floor((xm + 2^30) / 2^31), the
// doubling high product h; with h = q * 2^e + r (0 <= r < 2^e), the reference's rounding adds 1 to
// q exactly when r >= 2^(e-1) + (h < 0), which is floor((h + 2^(e-1) - (h < 0)) / 2^e). SMMLAR
// adds 2^(e-1) to h in the same instruction, and h < 0 can be read off x < 0 (m > 0): where they
// differ, h = 0 and floor((2^(e-1) - 1) / 2^e) = 0 either way. |h| < 2^30 keeps the sums inside
// int32. (~shift is e - 1.)
inline int32_t multiply_short_accumulator(int32_t x, const QuantizedMultiplier& m) {
  const int32_t half = static_cast<int32_t>(uint32_t{1} << ~m.shift);
  return (simd::smmlar(x * 2, m.multiplier, half) + (x >> 31)) >> -m.shift;
}

// multiply_by_quantized_multiplier for |x| < 2^30 and a right shift e = -shift in 0 .. 30, with
// the shift's constants computed once (ShortMultiplier::of): the arithmetic of
// multiply_short_accumulator where e >= 1, the doubling high product alone where e = 0 (`half`
// and `negative` are then 0).
struct ShortMultiplier {
  int32_t multiplier, half, negative, exponent;
  static ShortMultiplier of(const QuantizedMultiplier& m) {
    const int32_t e = -m.shift;
    return {m.multiplier, e > 0 ? int32_t{1} << (e - 1) : 0, e > 0 ? -1 : 0, e};
  }
  // Whether `m` shifts right by 0 .. 30 bits.
  static bool applies(const QuantizedMultiplier& m) { return m.shift <= 0 && m.shift >= -30; }
  int32_t operator()(int32_t x) const {
    return (simd::smmlar(x * 2, multiplier, half) + ((x >> 31) & negative)) >> exponent;
  }
};

// Whether multiply_short_accumulator gives a layer's results: every channel shifts right by 1 .. 30
// bits and every accumulator, bias[c] + sum_k w(c, k) * (x_k + input_offset) for any int8 inputs
// x_k, stays below 2^30 in magnitude (bias may be null). Weight k of channel c is
// filter[c * channel_stride + k * tap_stride], k < taps; `per_channel`: one multiplier per channel
// (else multipliers[0] for all).
inline bool short_requantization_applies(const int32_t* bias, const int8_t* filter,
                                         const ChannelMultipliers& multipliers, bool per_channel,
                                         int32_t channels, int32_t taps, int32_t channel_stride,
                                         int32_t tap_stride, int32_t input_offset) {
  const int64_t low = -128 + int64_t{input_offset}, high = 127 + int64_t{input_offset};
  const int64_t largest_input = low < 0 && -low > high ? -low : (high < 0 ? -high : high);
  constexpr int64_t kLimit = int64_t{1} << 30;
  for (int32_t c = 0; c < channels; ++c) {
    const int shift = multipliers[per_channel ? c : 0].shift;
    if (shift > -1 || shift < -30) return false;
    const int8_t* w = filter + static_cast<int64_t>(c) * channel_stride;
    int64_t weights = 0;  // sum of |w|: at most 128 * taps, far inside int64
    for (int32_t k = 0; k < taps; ++k) {
      const int32_t v = w[static_cast<int64_t>(k) * tap_stride];
      weights += v < 0 ? -v : v;
    }
    const int64_t b = bias != nullptr ? bias[c] : 0;
    if ((b < 0 ? -b : b) + weights * largest_input >= kLimit) return false;
  }
  return true;
}

// The same for a node's filter and bias operands: false unless both are constants.
inline bool short_requantization_applies(const TensorView& filter, const TensorView& bias,
                                         const ChannelMultipliers& multipliers, bool per_channel,
                                         int32_t channels, int32_t taps, int32_t channel_stride,
                                         int32_t tap_stride, int32_t input_offset) {
  if (!filter.is_constant || (bias.present() && !bias.is_constant)) return false;
  return short_requantization_applies(bias.present() ? bias.as<int32_t>() : nullptr,
                                      filter.as<int8_t>(), multipliers, per_channel, channels, taps,
                                      channel_stride, tap_stride, input_offset);
}

// Output zero point and activation clamp of an int8 output, and whether the layer's accumulators
// are short (multiply_short_accumulator applies).
struct Int8Output {
  int32_t offset;
  int32_t act_min, act_max;
  bool short_accumulators = false;
};

// Arguments by value: callers keep them in registers across their int8 stores (which may alias
// anything, so fields read through references would be reloaded after every output).
inline int8_t requantize_int8(int32_t acc, QuantizedMultiplier m, Int8Output out) {
  const int32_t scaled = out.short_accumulators ? multiply_short_accumulator(acc, m)
                                                : multiply_by_quantized_multiplier(acc, m);
  return static_cast<int8_t>(clamp32(scaled + out.offset, out.act_min, out.act_max));
}

}  // namespace fast
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ARM_REQUANTIZE_H_
