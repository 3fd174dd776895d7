// Moves values between the pipeline's stages: raw samples into a model input, a feature frame into
// the classifier's input. Same dtype and quantization (and no normalization): the bytes are copied;
// otherwise each value is dequantized, normalized and quantized to the destination (TFLite's
// QUANTIZE rounding: half away from zero, then clamped).
#ifndef TINYFORGE_FIRMWARE_APP_VALUE_CONVERT_H_
#define TINYFORGE_FIRMWARE_APP_VALUE_CONVERT_H_

#include <stdint.h>

#include "tinyforge/tensor.h"

namespace tinyforge::app {

struct Normalization {
  const float* mean = nullptr;
  const float* std = nullptr;
  int32_t channels = 0;  // 0: none
};

// Audio samples are int16 with the real value sample / 32768 (so a float32 input gets [-1, 1));
// sensor samples are float32. `data` is the first sample.
TensorView audio_samples_view(const void* data);
TensorView sensor_samples_view(const void* data);

// True if convert_values() can read `from` and write `to` (int8, uint8, int16, int32, float32).
bool convertible(DataType from, DataType to);

// Writes `count` values of `from` (from.data is the first) to `to_data` in `to`'s dtype and
// quantization. `first` is the index in `to` of the first value written (it picks the
// normalization channel).
void convert_values(const TensorView& from, int64_t count, const TensorView& to, void* to_data,
                    int64_t first, const Normalization& norm);

}  // namespace tinyforge::app

#endif  // TINYFORGE_FIRMWARE_APP_VALUE_CONVERT_H_
