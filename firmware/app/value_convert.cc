#include "app/value_convert.h"

#include <string.h>

#include "tinyforge/postprocess.h"

namespace tinyforge::app {
namespace {

const float kAudioScale = 1.0f / 32768.0f;
const int64_t kZeroPoint = 0;

bool supported(DataType type) {
  return type == DataType::kInt8 || type == DataType::kUInt8 || type == DataType::kInt16 ||
         type == DataType::kInt32 || type == DataType::kFloat32;
}

bool same_quantization(const TensorView& a, const TensorView& b) {
  if (a.is_quantized() != b.is_quantized()) return false;
  return !a.is_quantized() || (a.scale() == b.scale() && a.zero_point() == b.zero_point());
}

// Same dtype: the bytes, unless both sides are quantized differently (or normalized). An integer
// side without quantization means "these are the other side's values": int16 audio into TFLM's
// unquantized int16 audio preprocessor, its unquantized int8 features into an int8 classifier.
bool copies_bytes(const TensorView& from, const TensorView& to, const Normalization& norm) {
  if (from.type != to.type || norm.channels > 0) return false;
  return to.type == DataType::kFloat32 || same_quantization(from, to) || !from.is_quantized() ||
         !to.is_quantized();
}

void store(const TensorView& to, void* data, int64_t i, float real) {
  if (to.type == DataType::kFloat32) {
    memcpy(static_cast<uint8_t*>(data) + 4 * i, &real, sizeof(real));
    return;
  }
  int64_t q = to.is_quantized()
                  ? static_cast<int64_t>(round_to_int32(real / to.scale())) + to.zero_point()
                  : round_to_int32(real);
  int64_t low = INT32_MIN, high = INT32_MAX;
  if (to.type == DataType::kInt8) low = -128, high = 127;
  if (to.type == DataType::kUInt8) low = 0, high = 255;
  if (to.type == DataType::kInt16) low = -32768, high = 32767;
  q = q < low ? low : (q > high ? high : q);
  switch (to.type) {
    case DataType::kInt8:
      static_cast<int8_t*>(data)[i] = static_cast<int8_t>(q);
      break;
    case DataType::kUInt8:
      static_cast<uint8_t*>(data)[i] = static_cast<uint8_t>(q);
      break;
    case DataType::kInt16:
      static_cast<int16_t*>(data)[i] = static_cast<int16_t>(q);
      break;
    default:
      static_cast<int32_t*>(data)[i] = static_cast<int32_t>(q);
      break;
  }
}

}  // namespace

TensorView audio_samples_view(const void* data) {
  TensorView v;
  v.type = DataType::kInt16;
  v.data = const_cast<void*>(data);
  v.scales = &kAudioScale;
  v.num_scales = 1;
  v.zero_points_raw = reinterpret_cast<const uint8_t*>(&kZeroPoint);
  v.num_zero_points = 1;
  return v;
}

TensorView sensor_samples_view(const void* data) {
  TensorView v;
  v.type = DataType::kFloat32;
  v.data = const_cast<void*>(data);
  return v;
}

bool convertible(DataType from, DataType to) { return supported(from) && supported(to); }

void convert_values(const TensorView& from, int64_t count, const TensorView& to, void* to_data,
                    int64_t first, const Normalization& norm) {
  if (copies_bytes(from, to, norm)) {
    const size_t size = dtype_size(to.type);
    memcpy(static_cast<uint8_t*>(to_data) + static_cast<size_t>(first) * size, from.data,
           static_cast<size_t>(count) * size);
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    float real = dequantized_value(from, i);
    if (norm.channels > 0) {
      const int64_t c = (first + i) % norm.channels;
      real = (real - norm.mean[c]) / norm.std[c];
    }
    store(to, to_data, first + i, real);
  }
}

}  // namespace tinyforge::app
