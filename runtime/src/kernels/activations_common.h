// Shared pieces of the activation, quantization and softmax kernels: checks every one-input /
// one-output elementwise operator needs, the Q-format fixed-point arithmetic TFLite's quantized
// exp / logistic / tanh use (gemmlowp's recipes, on plain int32 values with the number of
// integer bits passed at run time), and the 513-entry int16 lookup tables with interpolation.
#ifndef TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_
#define TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_

#include <math.h>
#include <stdint.h>

#include "kernels/in_place.h"
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

// check_unary, and an input of float32, int8 or int16 with an output of the same dtype (the
// elementwise activations that keep their dtype).
inline Status check_unary_same_type(PrepareContext& ctx) {
  Status status = check_unary(ctx);
  if (status != Status::kOk) return status;
  const DataType type = ctx.input(0).type;
  if (type != DataType::kFloat32 && type != DataType::kInt8 && type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  if (ctx.output(0).type != type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  return Status::kOk;
}

// A per-tensor quantized tensor with a finite positive scale.
inline bool has_tensor_quantization(const TensorView& t) {
  return t.num_scales == 1 && t.scale() > 0.0f && t.scale() <= 3.402823466e+38f;
}

// Neither NaN nor infinite (a ratio of extreme scales overflows float).
inline bool finite(float v) { return v == v && v <= 3.402823466e+38f && v >= -3.402823466e+38f; }

// Requantization multipliers the int32 fixed-point helpers can apply without overflowing a shift.
inline bool multiplier_usable(const QuantizedMultiplier& m) {
  return m.shift <= 30 && m.shift >= -31;
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
  const int32_t x = wrapping_add(a, 1 << 28);
  const int32_t x2 = fp_mul(x, x);
  const int32_t x3 = fp_mul(x2, x);
  const int32_t x4 = fp_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly =
      rounding_divide_by_pot(wrapping_add(fp_mul(wrapping_add(x4_over_4, x3), kOneThird), x2), 1);
  return wrapping_add(kExpMinusOneEighth, fp_mul(kExpMinusOneEighth, wrapping_add(x, poly)));
}

// exp(a) for a <= 0 given with `integer_bits` integer bits; result in Q0.31.
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t{1} << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_quarter = wrapping_sub(a & mask, one_quarter);
  int32_t result =
      exp_on_quarter_interval(fp_rescale(a_mod_quarter_minus_quarter, integer_bits, 0));
  const int32_t remainder = wrapping_sub(a_mod_quarter_minus_quarter, a);
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
  int32_t x = wrapping_add(k48Over17, fp_mul(half_denominator, kNeg32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = fp_mul(half_denominator, x);
    const int32_t one_minus = wrapping_sub(kOneQ2, half_denominator_times_x);
    x = wrapping_add(x, fp_rescale(fp_mul(x, one_minus), 4, 2));
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
  return fp_rescale(wrapping_sub(x, 1 << 29), 2, 0);
}

// logistic(a) for a with `integer_bits` integer bits; result in Q0.31.
inline int32_t fixed_logistic(int32_t a, int integer_bits) {
  if (a == 0) return 1 << 30;
  const int32_t magnitude = a > 0 ? a : wrapping_sub(0, a);
  const int32_t positive =
      one_over_one_plus_x(exp_on_negative_values(wrapping_sub(0, magnitude), integer_bits));
  return a > 0 ? positive : wrapping_sub(INT32_MAX, positive);
}

// tanh(a) for a with `integer_bits` integer bits; result in Q0.31.
inline int32_t fixed_tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t negative_part = a < 0 ? a : wrapping_sub(0, a);
  // exp(2 * n): the same raw value read with one more integer bit.
  const int32_t t =
      one_minus_x_over_one_plus_x(exp_on_negative_values(negative_part, integer_bits + 1));
  return a < 0 ? wrapping_sub(0, t) : t;
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

// sigmoid(i / 24) in unsigned Q0.16 for i = 0 .. 255 (TFLite's table for int16 logistic and tanh,
// tanh(x) = 2 * sigmoid(2x) - 1; both are symmetric, so only |x| is looked up).
inline constexpr uint16_t kSigmoidTableQ16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
};

// The int16 logistic of a rescaled input (see sigmoid_int16_rescale), result in Q0.15: the
// table step 1/24 is 2^9 units of the rescaled input, interpolated linearly in between.
inline int16_t sigmoid_int16_lookup(int32_t x) {
  const uint32_t magnitude = static_cast<uint32_t>(x < 0 ? -x : x);
  const uint32_t index = magnitude >> 9;
  uint32_t result;
  if (index >= 255) {
    result = 0x7FFFu << 10;
  } else {
    const uint32_t a = kSigmoidTableQ16[index], b = kSigmoidTableQ16[index + 1];
    result = (a << 9) + (magnitude & 0x1ff) * (b - a);
  }
  result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1;
  return static_cast<int16_t>(result >> 10);
}

// The int16 tanh of a rescaled input, result in Q0.15: tanh(x) = 2 * sigmoid(2x) - 1, so the
// table step is 2^8 units of the rescaled input.
inline int16_t tanh_int16_lookup(int32_t x) {
  const uint32_t magnitude = static_cast<uint32_t>(x < 0 ? -x : x);
  const uint32_t index = magnitude >> 8;
  int32_t result;
  if (index >= 255) {
    result = 0xFFFF << 8;
  } else {
    const uint32_t a = kSigmoidTableQ16[index], b = kSigmoidTableQ16[index + 1];
    result = static_cast<int32_t>((a << 8) + (magnitude & 0xff) * (b - a));
  }
  result = x >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(result >> 8);
}

// Input rescaling for the int8 logistic / tanh: the input (minus zero point) times
// multiplier * 2^(shift - 31) lands in Q4.27; inputs at or beyond +-radius saturate.
struct SigmoidInt8Params {
  int32_t multiplier;
  int shift;
  int32_t radius;
};

// False when the input scale is too small or too large for TFLite's recipe.
inline bool sigmoid_int8_params(float input_scale, SigmoidInt8Params* p) {
  const double real = static_cast<double>(input_scale) * static_cast<double>(1 << 27);
  int shift;
  const double q = split_exponent(real, &shift);
  if (shift < 0 || shift > 62) return false;
  p->multiplier = static_cast<int32_t>(round_away(q * 2147483648.0));
  if (p->multiplier < 0) return false;  // q rounded up to 2^31 (impossible for float scales)
  p->shift = shift;
  p->radius = input_radius(4, shift);
  return true;
}

// Input rescaling for the int16 logistic / tanh table lookups: multiplier 0 marks a power-of-two
// input scale handled by a small integer multiplier.
struct SigmoidInt16Params {
  int32_t multiplier;
  int shift;
};

// `pot_shifts` is the largest power-of-two left shift the op takes directly (0 for logistic,
// 1 for tanh). Returns null or a message describing why the scales are refused.
inline const char* sigmoid_int16_params(float input_scale, float output_scale, int pot_shifts,
                                        SigmoidInt16Params* p) {
  int log2_rounded;
  bool pot = checked_log2(input_scale, &log2_rounded);
  p->shift = 12 + log2_rounded;
  pot = pot && p->shift >= 0 && p->shift <= pot_shifts;
  if (pot) {
    p->multiplier = 0;
  } else {
    // Rescale the input to 1 / (3 * 4096) (+-2^17 then covers +-10.7).
    double multiplier = static_cast<double>(input_scale) * 4096.0 * 3.0;
    p->shift = 0;
    while (multiplier <= 32767.0 / 2.0 && p->shift <= 30) {
      ++p->shift;
      multiplier *= 2.0;
    }
    if (!(multiplier <= 32767.0)) return "input scale is too large";
    p->multiplier = static_cast<int32_t>(multiplier);
    if (p->multiplier == 0) return "input scale is too small";
  }
  int output_log2;
  if (!checked_log2(output_scale, &output_log2) || output_log2 != -15)
    return "int16 output needs scale 1/32768";
  return nullptr;
}

// The rescaled int16 input the table lookups index with.
inline int32_t sigmoid_int16_rescale(int16_t x, const SigmoidInt16Params& p) {
  int32_t multiplier = p.multiplier, shift = p.shift;
  if (multiplier == 0) {
    multiplier = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? int32_t{1} << (shift - 1) : 0;
  return (static_cast<int32_t>(x) * multiplier + round) >> shift;
}

// What LOGISTIC and TANH keep between prepare and eval.
struct SigmoidFamilyData {
  int32_t size;
  int32_t input_zero_point;
  SigmoidInt8Params int8;
  SigmoidInt16Params int16;
};

// The prepare LOGISTIC and TANH share: float32, int8 or int16 in and the same dtype out; int8
// needs the output quantization the op fixes (`int8_output_scale`, `int8_output_zero_point`,
// refused with `int8_output_message`), int16 zero points 0 and the scales sigmoid_int16_params
// takes with `pot_shifts`.
inline Status prepare_sigmoid_family(PrepareContext& ctx, float int8_output_scale,
                                     int32_t int8_output_zero_point,
                                     const char* int8_output_message, int pot_shifts) {
  Status status = check_unary_same_type(ctx);
  if (status != Status::kOk) return status;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  SigmoidInt8Params int8{};
  SigmoidInt16Params int16{};
  if (input.type != DataType::kFloat32) {
    if (!has_tensor_quantization(input) || !has_tensor_quantization(output))
      return ctx.fail(Status::kMalformedModel, "quantized tensors need one scale and zero point");
  }
  if (input.type == DataType::kInt8) {
    if (output.zero_point() != int8_output_zero_point || output.scale() != int8_output_scale)
      return ctx.fail(Status::kUnsupported, int8_output_message);
    if (!sigmoid_int8_params(input.scale(), &int8))
      return ctx.fail(Status::kUnsupported, "input scale is out of range");
  } else if (input.type == DataType::kInt16) {
    if (input.zero_point() != 0 || output.zero_point() != 0)
      return ctx.fail(Status::kUnsupported, "int16 tensors must have zero point 0");
    const char* problem = sigmoid_int16_params(input.scale(), output.scale(), pot_shifts, &int16);
    if (problem != nullptr) return ctx.fail(Status::kUnsupported, problem);
  }
  auto* data = ctx.allocate_persistent<SigmoidFamilyData>();
  allow_elementwise_in_place(ctx, 0);
  if (ctx.sizing()) return Status::kOk;
  data->size = static_cast<int32_t>(input.elements());
  data->input_zero_point = input.zero_point();
  data->int8 = int8;
  data->int16 = int16;
  return Status::kOk;
}

// The persistent state of SOFTMAX (exp_lut and reciprocal_lut: int16 input only, else null).
struct SoftmaxData {
  int32_t outer;
  int32_t depth;
  float beta;
  int32_t input_multiplier;
  int input_left_shift;
  int32_t diff_min;
  int16_t* exp_lut;
  int16_t* reciprocal_lut;
};

}  // namespace act
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ACTIVATIONS_COMMON_H_
