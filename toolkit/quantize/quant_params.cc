#include "toolkit/quantize/quant_params.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::quantize {

int64_t dtype_min(DataType dtype) {
  switch (dtype) {
    case DataType::kInt8:
      return -128;
    case DataType::kInt16:
      return -32768;
    case DataType::kInt32:
      return std::numeric_limits<int32_t>::min();
    case DataType::kInt64:
      return std::numeric_limits<int64_t>::min();
    default:
      throw host::Error(std::string("quantize: dtype ") + dtype_name(dtype) +
                        " is not an integer type (expected int8, int16, int32 or int64)");
  }
}

int64_t dtype_max(DataType dtype) {
  switch (dtype) {
    case DataType::kInt8:
      return 127;
    case DataType::kInt16:
      return 32767;
    case DataType::kInt32:
      return std::numeric_limits<int32_t>::max();
    case DataType::kInt64:
      return std::numeric_limits<int64_t>::max();
    default:
      throw host::Error(std::string("quantize: dtype ") + dtype_name(dtype) +
                        " is not an integer type (expected int8, int16, int32 or int64)");
  }
}

Range with_zero(Range range) { return {std::min(range.min, 0.0f), std::max(range.max, 0.0f)}; }

QuantParams asymmetric_params(Range range, DataType dtype) {
  range = with_zero(range);
  if (!std::isfinite(range.min) || !std::isfinite(range.max)) {
    throw host::Error("quantize: range [" + std::to_string(range.min) + ", " +
                      std::to_string(range.max) + "] is not finite");
  }
  const double qmin = static_cast<double>(dtype_min(dtype));
  const double qmax = static_cast<double>(dtype_max(dtype));
  // A value that is always 0: any scale works; 1 keeps the arithmetic well defined.
  if (range.max == range.min) return {1.0f, 0};
  const double scale =
      (static_cast<double>(range.max) - static_cast<double>(range.min)) / (qmax - qmin);
  const float scale_f = static_cast<float>(scale);
  // The zero point is computed from the float scale the file will hold.
  const double zero_from_min = qmin - static_cast<double>(range.min) / scale_f;
  int64_t zero_point;
  if (zero_from_min <= qmin) {
    zero_point = static_cast<int64_t>(qmin);
  } else if (zero_from_min >= qmax) {
    zero_point = static_cast<int64_t>(qmax);
  } else {
    zero_point = static_cast<int64_t>(std::round(zero_from_min));
  }
  return {scale_f, zero_point};
}

QuantParams symmetric_params(Range range, DataType dtype) {
  range = with_zero(range);
  const float bound = std::max(-range.min, range.max);
  if (!std::isfinite(bound)) {
    throw host::Error("quantize: range [" + std::to_string(range.min) + ", " +
                      std::to_string(range.max) + "] is not finite");
  }
  if (bound == 0.0f) return {1.0f, 0};
  return {static_cast<float>(static_cast<double>(bound) / static_cast<double>(dtype_max(dtype))),
          0};
}

graph::Quantization per_channel_weight_quantization(const graph::Tensor& weights, int axis) {
  if (axis < 0 || axis >= weights.rank()) {
    throw host::Error("quantize: channel axis " + std::to_string(axis) +
                      " is out of range for weights of shape " +
                      graph::shape_string(weights.shape()));
  }
  const int64_t channels = weights.dim(axis);
  int64_t inner = 1;  // elements between consecutive entries of the channel axis
  for (int d = axis + 1; d < weights.rank(); ++d) inner *= weights.dim(d);
  std::vector<float> bound(channels, 0.0f);
  for (int64_t i = 0; i < weights.size(); ++i) {
    const int64_t c = (i / inner) % channels;
    bound[c] = std::max(bound[c], std::fabs(weights[i]));
  }
  graph::Quantization q;
  q.axis = axis;
  q.scales.resize(channels);
  q.zero_points.assign(channels, 0);
  for (int64_t c = 0; c < channels; ++c) q.scales[c] = bound[c] == 0.0f ? 1.0f : bound[c] / 127.0f;
  return q;
}

int64_t quantize_value(float x, float scale, int64_t zero_point, DataType dtype) {
  const double r = std::round(static_cast<double>(x) / static_cast<double>(scale));  // half away
  const double q = r + static_cast<double>(zero_point);
  const double lo = static_cast<double>(dtype_min(dtype));
  const double hi = static_cast<double>(dtype_max(dtype));
  if (!(q >= lo)) return dtype_min(dtype);  // also NaN
  if (q > hi) return dtype_max(dtype);
  return static_cast<int64_t>(q);
}

float dequantize_value(int64_t q, float scale, int64_t zero_point) {
  return static_cast<float>(static_cast<double>(q - zero_point) * static_cast<double>(scale));
}

}  // namespace tinyforge::quantize
