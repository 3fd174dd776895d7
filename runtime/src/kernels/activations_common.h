// Shared pieces of the activation, quantization and softmax kernels: checks every one-input /
// one-output elementwise operator needs, the Q-format fixed-point arithmetic TFLite's quantized
// exp / logistic / tanh use (gemmlowp's recipes, on plain int32 values with the number of
// integer bits passed at run time), and the 513-entry int16 lookup tables with interpolation.
#ifndef TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_
#define TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_

#include <math.h>
#include <stdint.h>

#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace act {

// One input, one output, the same number of elements. Dtypes are checked by each kernel.
inline Status check_unary(PrepareContext& ctx) {
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects one input and one output");
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (!input.present() || !output.present())
    return ctx.fail(Status::kMalformedModel, "input or output tensor is missing");
  if (input.elements() != output.elements())
    return ctx.fail(Status::kMalformedModel, "input and output sizes differ");
  return Status::kOk;
}

// A per-tensor quantized tensor with a finite positive scale.
inline bool has_tensor_quantization(const TensorView& t) {
  return t.num_scales == 1 && t.scale() > 0.0f && t.scale() <= 3.402823466e+38f;
}

// Requantization multipliers the int32 fixed-point helpers can apply without overflowing a shift.
inline bool multiplier_usable(const QuantizedMultiplier& m) {
  return m.shift <= 30 && m.shift >= -31;
}

// Two's complement wrap-around arithmetic (gemmlowp's plain int32 add/sub).
inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

inline int count_leading_zeros(uint32_t x) {
  if (x == 0) return 32;
  int n = 0;
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

// Fixed-point product of two Q values (integer bits add up).
inline int32_t fp_mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// x * 2^exponent with saturation for left shifts and round-to-nearest for right shifts.
inline int32_t saturating_rounding_mul_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// Changes a raw value from `src_bits` integer bits to `dst_bits` integer bits.
inline int32_t fp_rescale(int32_t x, int src_bits, int dst_bits) {
  return saturating_rounding_mul_pot(x, src_bits - dst_bits);
}

// (a + b) / 2 rounded half away from zero.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8.
inline int32_t exp_on_quarter_interval(int32_t a) {
  constexpr int32_t kExpMinusOneEighth = 1895147668;
  constexpr int32_t kOneThird = 715827883;
  const int32_t x = wrap_add(a, 1 << 28);
  const int32_t x2 = fp_mul(x, x);
  const int32_t x3 = fp_mul(x2, x);
  const int32_t x4 = fp_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly =
      rounding_divide_by_pot(wrap_add(fp_mul(wrap_add(x4_over_4, x3), kOneThird), x2), 1);
  return wrap_add(kExpMinusOneEighth, fp_mul(kExpMinusOneEighth, wrap_add(x, poly)));
}

// exp(a) for a <= 0 given with `integer_bits` integer bits; result in Q0.31.
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t{1} << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_quarter = wrap_sub(a & mask, one_quarter);
  int32_t result =
      exp_on_quarter_interval(fp_rescale(a_mod_quarter_minus_quarter, integer_bits, 0));
  const int32_t remainder = wrap_sub(a_mod_quarter_minus_quarter, a);
  // exp(-2^k) in Q0.31 for k = -2 .. 4.
  static const int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                          39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if (remainder & (int32_t{1} << shift)) result = fp_mul(result, kMultipliers[k + 2]);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -(int32_t{1} << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

// Newton-Raphson reciprocal shared by 1/(1+x) and (1-x)/(1+x); returns x ~ 1/half_denominator
// in Q2.29.
inline int32_t newton_reciprocal_q2(int32_t half_denominator) {
  constexpr int32_t k48Over17 = 1515870810;
  constexpr int32_t kNeg32Over17 = -1010580540;
  constexpr int32_t kOneQ2 = 1 << 29;
  int32_t x = wrap_add(k48Over17, fp_mul(half_denominator, kNeg32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = fp_mul(half_denominator, x);
    const int32_t one_minus = wrap_sub(kOneQ2, half_denominator_times_x);
    x = wrap_add(x, fp_rescale(fp_mul(x, one_minus), 4, 2));
  }
  return x;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 in and out.
inline int32_t one_over_one_plus_x(int32_t a) {
  const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
  return fp_rescale(x, 1, 0);  // x / 2 viewed as Q1.30, rescaled to Q0.31
}

// (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out.
inline int32_t one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
  return fp_rescale(wrap_sub(x, 1 << 29), 2, 0);
}

// logistic(a) for a with `integer_bits` integer bits; result in Q0.31.
inline int32_t fixed_logistic(int32_t a, int integer_bits) {
  if (a == 0) return 1 << 30;
  const int32_t magnitude = a > 0 ? a : wrap_sub(0, a);
  const int32_t positive =
      one_over_one_plus_x(exp_on_negative_values(wrap_sub(0, magnitude), integer_bits));
  return a > 0 ? positive : wrap_sub(INT32_MAX, positive);
}

// tanh(a) for a with `integer_bits` integer bits; result in Q0.31.
inline int32_t fixed_tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t negative_part = a < 0 ? a : wrap_sub(0, a);
  // exp(2 * n): the same raw value read with one more integer bit.
  const int32_t t =
      one_minus_x_over_one_plus_x(exp_on_negative_values(negative_part, integer_bits + 1));
  return a < 0 ? wrap_sub(0, t) : t;
}

// int16 -> int16 lookup in a 513-entry table: 9 bits index, 7 bits interpolate.
constexpr int kLutSize = 513;
inline int16_t lut_lookup(int16_t value, const int16_t* lut) {
  const int index = 256 + (value >> 7);
  const int offset = value & 0x7f;
  const int base = lut[index];
  const int16_t slope = static_cast<int16_t>(lut[index + 1] - lut[index]);
  const int delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

// Fills a 513-entry table with func over [input_min, input_max] mapped to the int16 range of
// [output_min, output_max], each entry corrected by half the midpoint interpolation error
// (TFLite's construction, evaluated in float).
inline void build_int16_lut(float (*func)(float), float input_min, float input_max,
                            float output_min, float output_max, int16_t* lut) {
  const int steps = 512;
  const float step = (input_max - input_min) / steps;
  const float half_step = step / 2;
  const float scaling_inv = 65536.0f / (output_max - output_min);
  const float table_min = -32768.0f, table_max = 32767.0f;
  for (int i = 0; i < steps; ++i) {
    const float value = func(input_min + static_cast<float>(i) * step);
    const float value_mid = func(input_min + static_cast<float>(i) * step + half_step);
    const float value_next = func(input_min + static_cast<float>(i + 1) * step);
    const float sample = roundf(value * scaling_inv);
    const float mid_interpolated =
        roundf((value_next * scaling_inv + roundf(value * scaling_inv)) / 2);
    const float mid_exact = roundf(value_mid * scaling_inv);
    const float bias = roundf((mid_interpolated - mid_exact) / 2);
    lut[i] = static_cast<int16_t>(clampf(sample - bias, table_min, table_max));
  }
  lut[steps] =
      static_cast<int16_t>(clampf(roundf(func(input_max) * scaling_inv), table_min, table_max));
}

// TFLite's CheckedLog2: log2(x) rounded, and whether x is within 1e-3 (in log2) of that power.
inline bool checked_log2(float x, int* log2_result) {
  const float x_log2 = logf(x) * (1.0f / logf(2.0f));
  const float rounded = roundf(x_log2);
  *log2_result = static_cast<int>(rounded);
  return fabsf(x_log2 - rounded) < 1e-3f;
}

// Largest |input| that MultiplyByQuantizedMultiplierGreaterThanOne can take without overflow
// (TFLite's CalculateInputRadius, total_signed_bits = 31). left_shift must be in [0, 62].
inline int32_t input_radius(int integer_bits, int left_shift) {
  const double max_rescaled = 1.0 * ((1 << integer_bits) - 1) *
                              static_cast<double>(int64_t{1} << (31 - integer_bits)) /
                              static_cast<double>(int64_t{1} << left_shift);
  return static_cast<int32_t>(floor(max_rescaled));
}

}  // namespace act
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_
