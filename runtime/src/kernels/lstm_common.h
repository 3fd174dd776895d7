// Shared arithmetic for the LSTM kernels: TFLite Micro's int16 gate nonlinearities (the int16
// LOGISTIC / TANH table lookups of activations_common.h), and wrap-around forms of the integer
// fully-connected accumulation so that no input can cause signed overflow.
#ifndef TINYFORGE_KERNELS_LSTM_COMMON_H_
#define TINYFORGE_KERNELS_LSTM_COMMON_H_

#include <stdint.h>

#include "kernels/activations_common.h"
#include "kernels/quant_math.h"
#include "tinyforge/tensor.h"

namespace tinyforge {
namespace lstm {

// The persistent state of UNIDIRECTIONAL_SEQUENCE_LSTM.
struct GateParams {
  QuantizedMultiplier input_multiplier;      // input * W_in -> Q3.12
  QuantizedMultiplier recurrent_multiplier;  // hidden * W_rec -> Q3.12
  int32_t input_weight_offset;
  int32_t recurrent_weight_offset;
};

struct LstmData {
  DataType type;  // activation dtype
  bool time_major;
  int32_t batches, time_steps, input_size, state_size;
  // Integer forms.
  GateParams gates[4];
  int32_t input_offset;   // -input zero point
  int32_t hidden_offset;  // -hidden zero point
  int32_t hidden_zero_point;
  int32_t hidden_min, hidden_max;
  QuantizedMultiplier forget_cell_multiplier;  // Q0.15 * cell -> cell
  QuantizedMultiplier input_cell_multiplier;   // Q0.15 * Q0.15 -> cell
  QuantizedMultiplier hidden_multiplier;       // Q0.15 * Q0.15 -> hidden
  act::SigmoidInt16Params cell_tanh;
  bool clip_cell;
  int16_t quantized_cell_clip;
  float cell_clip;
};

// Logistic of a Q3.12 value, result in Q0.15 (TFLite's int16 LOGISTIC with the power-of-two
// input scale 2^-12, which first scales the input by 3).
inline int16_t sigmoid_q3_12(int16_t x) {
  return act::sigmoid_int16_lookup(static_cast<int32_t>(x) * 3);
}

// The input scaling TFLite Micro's LSTM applies before tanh for a Q(15+power).(-power) input
// (scale 2^power): multiply by 3 << left, or by 3 and shift right with rounding.
inline act::SigmoidInt16Params tanh_scaling_for_power(int power) {
  const int left = 15 + power - 3;
  if (left < 0) return act::SigmoidInt16Params{3, -left};
  return act::SigmoidInt16Params{3 << left, 0};
}

// tanh of a scaled int16 value, result in Q0.15 (TFLite's int16 TANH).
inline int16_t tanh_int16(int16_t x, const act::SigmoidInt16Params& scaling) {
  return act::tanh_int16_lookup(act::sigmoid_int16_rescale(x, scaling));
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
  return wrap32(shifted);
}

inline int16_t saturate_int16(int32_t x) { return static_cast<int16_t>(clamp32(x, -32768, 32767)); }

}  // namespace lstm
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_LSTM_COMMON_H_
