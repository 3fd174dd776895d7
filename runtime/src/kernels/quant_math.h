// TFLite's integer arithmetic for quantized kernels: fixed-point multipliers, rounding shifts,
// activation ranges. Every quantized kernel goes through these so results match TFLite Micro
// byte for byte.
#ifndef TINYFORGE_KERNELS_QUANT_MATH_H_
#define TINYFORGE_KERNELS_QUANT_MATH_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tflite_generated.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// A real multiplier m = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) or 0.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// Per-channel multipliers in five bytes a channel (TFLite Micro keeps eight): the Q0.31
// multipliers, then the shifts as int8 (quantize_multiplier gives shifts from -31 up, and the
// kernels refuse those above 30). One block of bytes(channels) bytes, int32-aligned, holds both.
class ChannelMultipliers {
 public:
  ChannelMultipliers() = default;
  static size_t bytes(int64_t channels) { return static_cast<size_t>(channels) * 5; }
  // The view of a block of bytes(channels) bytes (null while sizing: an empty view).
  static ChannelMultipliers in(void* block, int64_t channels) {
    ChannelMultipliers m;
    if (block == nullptr) return m;
    m.multipliers_ = static_cast<int32_t*>(block);
    m.shifts_ = reinterpret_cast<int8_t*>(m.multipliers_ + channels);
    return m;
  }
  QuantizedMultiplier operator[](int64_t c) const {
    QuantizedMultiplier m;
    m.multiplier = multipliers_[c];
    m.shift = shifts_[c];
    return m;
  }
  void set(int64_t c, const QuantizedMultiplier& m) {
    multipliers_[c] = m.multiplier;
    shifts_[c] = static_cast<int8_t>(m.shift);
  }
  const int32_t* multipliers() const { return multipliers_; }
  const int8_t* shifts() const { return shifts_; }
  bool empty() const { return multipliers_ == nullptr; }

 private:
  int32_t* multipliers_ = nullptr;
  int8_t* shifts_ = nullptr;
};

// Splits m into a Q0.31 multiplier and a power-of-two exponent, rounding as TFLite does
// (frexp, then round half away from zero).
QuantizedMultiplier quantize_multiplier(double m);
// For multipliers below one; TFLite clamps tiny ones to zero the same way.
QuantizedMultiplier quantize_multiplier_smaller_than_one(double m);

// Splits x into a mantissa in [0.5, 1) and an exponent: x = mantissa * 2^exponent. Exact, and
// independent of libm.
double split_exponent(double x, int* exponent);

// round() half away from zero, without libm. (x + 0.5 truncated is wrong for the largest value
// below one half, so the fraction is compared instead.)
inline int64_t round_away(double x) {
  const double a = x < 0 ? -x : x;
  int64_t t = static_cast<int64_t>(a);
  if (a - static_cast<double>(t) >= 0.5) ++t;
  return x < 0 ? -t : t;
}
inline int32_t round_away_f(float x) {
  const float a = x < 0 ? -x : x;
  int32_t t = static_cast<int32_t>(a);
  if (a - static_cast<float>(t) >= 0.5f) ++t;
  return x < 0 ? -t : t;
}

inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == INT32_MIN;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  return overflow ? INT32_MAX : high;
}

// Divides by 2^exponent rounding to nearest, ties away from zero (gemmlowp's RoundingDivideByPOT).
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(
          static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift), multiplier),
      right_shift);
}

// The 64-bit accumulator form used by int16x8 kernels (int64 bias): the multiplier is reduced
// to 16 bits and one rounding shift is applied.
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result = (x * static_cast<int64_t>(reduced) + round) >> total_shift;
  return static_cast<int32_t>(result);
}

// x * multiplier >> -shift for multipliers that may exceed one (left shift allowed first).
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                 int left_shift) {
  return saturating_rounding_doubling_high_mul(
      static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift), multiplier);
}

template <typename T>
constexpr int32_t type_min() {
  return sizeof(T) == 1 ? (static_cast<T>(-1) < 0 ? -128 : 0)
                        : (sizeof(T) == 2 ? (static_cast<T>(-1) < 0 ? -32768 : 0) : INT32_MIN);
}
template <typename T>
constexpr int32_t type_max() {
  return sizeof(T) == 1 ? (static_cast<T>(-1) < 0 ? 127 : 255)
                        : (sizeof(T) == 2 ? (static_cast<T>(-1) < 0 ? 32767 : 65535) : INT32_MAX);
}

// Integer range of a quantized dtype (int8, uint8, int16, int32).
void dtype_range(DataType type, int32_t* min, int32_t* max);

// The clamp a fused activation imposes on a quantized output (TFLite's
// CalculateActivationRangeQuantized). Returns false for activations that cannot be fused.
bool quantized_activation_range(tflite::ActivationFunctionType activation, const TensorView& output,
                                int32_t* act_min, int32_t* act_max);
// The same for float outputs.
bool float_activation_range(tflite::ActivationFunctionType activation, float* act_min,
                            float* act_max);
// The same for int32 outputs (TFLite's CalculateActivationRange<int32_t>: no quantization).
bool int32_activation_range(tflite::ActivationFunctionType activation, int32_t* act_min,
                            int32_t* act_max);

// Constants are only guaranteed 4-byte alignment in a .tflite file, so 8-byte values (int64
// biases) are read through memcpy, which compiles to plain loads where alignment allows.
template <typename T>
inline T load_unaligned(const T* base, int64_t index) {
  T value;
  memcpy(&value, base + index, sizeof(T));
  return value;
}

// Two's-complement wrapping int32 arithmetic (what TFLM's plain int32 kernels produce on
// every target), without signed-overflow undefined behaviour.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t wrapping_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
// Truncates a 64-bit value to int32 the same way.
inline int32_t wrap32(int64_t x) { return static_cast<int32_t>(static_cast<uint32_t>(x)); }

inline int32_t clamp32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}
inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_QUANT_MATH_H_
