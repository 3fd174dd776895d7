// quantize_values(): the single place where real parameter values become stored integers, so the
// writer and anyone simulating it (fake quantization, error reports) round identically.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::tflite {
namespace {

struct Range {
  int64_t min, max;
};

Range dtype_range(const graph::Value& v) {
  switch (v.dtype) {
    case DataType::kInt8:
      return {-128, 127};
    case DataType::kInt16:
      return {-32768, 32767};
    case DataType::kInt32:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    case DataType::kInt64:
      // The int64 bias of 16x8 layers: clamp inside the range a double can carry exactly, so the
      // conversion below is always defined.
      return {-(int64_t{1} << 62), int64_t{1} << 62};
    default:
      throw host::Error("value '" + v.name + "': dtype " + dtype_name(v.dtype) +
                        ", expected int8, int16, int32 or int64 to quantize");
  }
}

}  // namespace

std::vector<int64_t> quantize_values(const graph::Value& v) {
  const graph::Quantization& q = v.quantization;
  const Range range = dtype_range(v);
  if (q.scales.empty()) {
    throw host::Error("value '" + v.name + "': quantization.scales is empty, expected a scale");
  }
  if (!q.zero_points.empty() && q.zero_points.size() != q.scales.size()) {
    throw host::Error("value '" + v.name + "': quantization has " +
                      std::to_string(q.scales.size()) + " scales and " +
                      std::to_string(q.zero_points.size()) + " zero points, expected as many");
  }
  const graph::Shape& shape = v.data.shape();
  const int64_t count = v.data.size();
  // Elements of one channel slice and the channel count along `axis` (row-major layout).
  int64_t inner = 1, channels = 1;
  if (q.scales.size() > 1) {
    if (q.axis < 0 || q.axis >= static_cast<int>(shape.size()) ||
        shape[q.axis] != static_cast<int64_t>(q.scales.size())) {
      throw host::Error("value '" + v.name + "': " + std::to_string(q.scales.size()) +
                        " scales along quantization.axis " + std::to_string(q.axis) +
                        ", expected the size of that dimension of " + graph::shape_string(shape));
    }
    channels = shape[q.axis];
    for (size_t d = q.axis + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  for (float s : q.scales) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
      throw host::Error("value '" + v.name + "': quantization scale " + std::to_string(s) +
                        ", expected a finite positive number");
    }
  }
  std::vector<int64_t> out(count);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t c = channels == 1 ? 0 : (i / inner) % channels;
    const int64_t zero_point = q.zero_points.empty() ? 0 : q.zero_points[c];
    // Divide in double: x / scale is what TFLite's quantizer computes, and double keeps the int32
    // bias range exact. std::round rounds half away from zero.
    const double scaled = std::round(static_cast<double>(v.data[i]) / q.scales[c]);
    const double clamped =
        std::clamp(scaled + static_cast<double>(zero_point), static_cast<double>(range.min),
                   static_cast<double>(range.max));
    out[i] = std::isnan(clamped) ? zero_point : static_cast<int64_t>(clamped);
  }
  return out;
}

}  // namespace tinyforge::tflite
