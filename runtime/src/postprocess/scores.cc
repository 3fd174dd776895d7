// Model outputs as Q16 scores. Float arithmetic here is one multiply or one subtract at a time
// (built with -ffp-contract=off, so no fused multiply-add changes a rounding on some core), and
// the conversion to an integer is exact, so host and device compute the same scores.
#include <string.h>

#include "tinyforge/postprocess.h"

namespace tinyforge {

float dequantized_value(const TensorView& t, int64_t i) {
  float raw = 0.0f;
  switch (t.type) {
    case DataType::kFloat32:
      memcpy(&raw, t.as<const uint8_t>() + 4 * i, sizeof(raw));
      return raw;
    case DataType::kInt8:
      raw = static_cast<float>(t.as<const int8_t>()[i]);
      break;
    case DataType::kUInt8:
      raw = static_cast<float>(t.as<const uint8_t>()[i]);
      break;
    case DataType::kInt16:
      raw = static_cast<float>(t.as<const int16_t>()[i]);
      break;
    case DataType::kInt32:
      raw = static_cast<float>(t.as<const int32_t>()[i]);
      break;
    default:
      return 0.0f;
  }
  if (!t.is_quantized()) return raw;
  return (raw - static_cast<float>(t.zero_point())) * t.scale();
}

// The fraction v - trunc(v) is exact, so the halfway test sees the value itself.
int32_t round_to_int32(float v) {
  if (!(v == v)) return 0;
  if (v >= 2147483647.0f) return INT32_MAX;
  if (v <= -2147483648.0f) return INT32_MIN;
  const int64_t whole = static_cast<int64_t>(v);
  const float fraction = v - static_cast<float>(whole);
  int64_t rounded = whole;
  if (fraction >= 0.5f) ++rounded;
  if (fraction <= -0.5f) --rounded;
  if (rounded > INT32_MAX) return INT32_MAX;
  if (rounded < INT32_MIN) return INT32_MIN;
  return static_cast<int32_t>(rounded);
}

int32_t score_q16(const TensorView& tensor, int64_t index) {
  return round_to_int32(dequantized_value(tensor, index) * static_cast<float>(kScoreOne));
}

int32_t mean_squared_error_q16(const TensorView& a, const TensorView& b, int64_t count) {
  if (count <= 0) return 0;
  float sum = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    const float difference = dequantized_value(a, i) - dequantized_value(b, i);
    const float square = difference * difference;
    sum += square;
  }
  return round_to_int32(sum / static_cast<float>(count) * static_cast<float>(kScoreOne));
}

}  // namespace tinyforge
