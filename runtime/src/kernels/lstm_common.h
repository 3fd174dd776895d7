// Shared arithmetic for the LSTM kernels: TFLite Micro's int16 gate nonlinearities (sigmoid and
// tanh by interpolation in a 256-entry table), and wrap-around forms of the integer
// fully-connected accumulation so that no input can cause signed overflow.
#ifndef TINYFORGE_KERNELS_LSTM_COMMON_H_
#define TINYFORGE_KERNELS_LSTM_COMMON_H_

#include <stdint.h>

#include "kernels/quant_math.h"

namespace tinyforge {
namespace lstm {

// sigmoid(k / 24) in unsigned Q0.16 for k = 0..255 (the last entry saturates at 65535): the
// table TFLite's int16 logistic and tanh interpolate in. tanh(x) = 2 * sigmoid(2x) - 1, so one
// table serves both.
constexpr uint16_t kSigmoidTable[256] = {
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

// Arithmetic shift right (rounds toward minus infinity) without relying on how >> treats
// negative numbers.
inline int32_t floor_shift_right(int32_t x, int shift) {
  if (x >= 0) return x >> shift;
  return -static_cast<int32_t>((static_cast<uint32_t>(-(x + 1)) >> shift) + 1u);
}

// Logistic of a Q3.12 value, result in Q0.15 (TFLite's int16 LOGISTIC with the power-of-two
// input scale 2^-12: the input is first scaled by 3, so one table step is 2^9 / 3 input units).
inline int16_t sigmoid_q3_12(int16_t x) {
  const int32_t v = static_cast<int32_t>(x) * 3;
  const uint32_t a = static_cast<uint32_t>(v < 0 ? -v : v);
  const uint32_t step = a >> 9;
  uint32_t r;
  if (step >= 255) {
    r = 0x7FFFu << 10;
  } else {
    const uint32_t lo = kSigmoidTable[step], hi = kSigmoidTable[step + 1];
    r = (lo << 9) + (a & 0x1FFu) * (hi - lo);
  }
  r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return static_cast<int16_t>(r >> 10);
}

// The input scaling TFLite Micro's LSTM applies before tanh for a Q(15+power).(-power) input
// (scale 2^power): multiply by `multiplier`, then shift right by `shift` with rounding.
struct TanhScaling {
  int32_t multiplier;
  int shift;
};
inline TanhScaling tanh_scaling_for_power(int power) {
  const int left = 15 + power - 3;
  if (left < 0) return TanhScaling{3, -left};
  return TanhScaling{3 << left, 0};
}

// tanh of a scaled int16 value, result in Q0.15 (TFLite's int16 TANH).
inline int16_t tanh_int16(int16_t x, TanhScaling s) {
  const int32_t round = s.shift > 0 ? (1 << (s.shift - 1)) : 0;
  const int32_t v = floor_shift_right(static_cast<int32_t>(x) * s.multiplier + round, s.shift);
  const uint32_t a = static_cast<uint32_t>(v < 0 ? -v : v);
  const uint32_t step = a >> 8;
  int32_t r;
  if (step >= 255) {
    r = 0xFFFF << 8;
  } else {
    const uint32_t lo = kSigmoidTable[step], hi = kSigmoidTable[step + 1];
    r = static_cast<int32_t>((lo << 8) + (a & 0xFFu) * (hi - lo));
  }
  r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(floor_shift_right(r, 8));
}

inline int32_t wrap_to_int32(int64_t x) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(x)));
}
inline int64_t wrapping_add64(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// multiply_by_quantized_multiplier for 64-bit accumulators (TFLite's int16x8 form: the
// multiplier reduced to 16 bits, one rounding shift), with the product wrapping instead of
// overflowing. Needs shift <= 14.
inline int32_t requantize64(int64_t x, QuantizedMultiplier m) {
  const int32_t reduced = m.multiplier < 0x7FFF0000 ? ((m.multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - m.shift;
  const uint64_t product = static_cast<uint64_t>(x) * static_cast<uint64_t>(int64_t{reduced});
  const int64_t rounded = static_cast<int64_t>(product + (uint64_t{1} << (total_shift - 1)));
  // Arithmetic shift of a signed 64-bit value.
  const int64_t shifted =
      rounded >= 0
          ? (rounded >> total_shift)
          : -static_cast<int64_t>(((static_cast<uint64_t>(-(rounded + 1))) >> total_shift) + 1u);
  return wrap_to_int32(shifted);
}

inline int16_t saturate_int16(int32_t x) { return static_cast<int16_t>(clamp32(x, -32768, 32767)); }

}  // namespace lstm
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_LSTM_COMMON_H_
