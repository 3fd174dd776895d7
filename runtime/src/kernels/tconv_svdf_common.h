// Helpers shared by TRANSPOSE_CONV, SVDF and BATCH_MATMUL: checked multiplier construction and
// quantization checks. (Their wrapping accumulation is in quant_math.h.)
#ifndef TINYFORGE_KERNELS_TCONV_SVDF_COMMON_H_
#define TINYFORGE_KERNELS_TCONV_SVDF_COMMON_H_

#include <stdint.h>
#include <string.h>

#include "kernels/quant_math.h"
#include "tflite_generated.h"

namespace tinyforge {

// The persistent state of SVDF.
struct SvdfData {
  int32_t batches, input_size, num_filters, num_units, rank, memory;
  tflite::ActivationFunctionType activation;  // float only
  QuantizedMultiplier feature_scale;          // input x weights_feature -> state
  QuantizedMultiplier output_scale;           // state x weights_time -> output
  int32_t input_zero_point, state_zero_point, output_zero_point;
};

// Largest shift the 32-bit requantization may see: its left shift acts on a 32-bit value.
constexpr int kMaxShift32 = 30;
// Largest shift the 64-bit (int16x8) requantization may see: it shifts right by 15 - shift >= 1.
constexpr int kMaxShift64 = 14;

// Quantizes a real multiplier as TFLite does and checks that it is usable: finite, not negative
// and small enough for the requantization that will apply it. Returns false otherwise.
inline bool checked_multiplier(double real, int max_shift, QuantizedMultiplier* out) {
  if (!(real >= 0.0) || real > 1e30) return false;
  *out = quantize_multiplier(real);
  return out->shift <= max_shift;
}

// True when a tensor's scale is a positive finite float.
inline bool usable_scale(float scale) { return scale > 0.0f && scale < 3.0e38f; }

// True when every zero point of a quantized tensor lies in its dtype's range.
inline bool zero_points_in_range(const TensorView& t) {
  int32_t lo, hi;
  dtype_range(t.type, &lo, &hi);
  for (int i = 0; i < t.num_zero_points; ++i) {
    int64_t zp;
    memcpy(&zp, t.zero_points_raw + 8 * i, sizeof(zp));
    if (zp < lo || zp > hi) return false;
  }
  return true;
}

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_TCONV_SVDF_COMMON_H_
