#include "toolkit/host/tensor_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::host {

void load_tensor_file(const std::filesystem::path& path, const TensorView& tensor,
                      const std::string& what) {
  const std::vector<uint8_t> bytes = read_file(path);
  if (bytes.size() != tensor.bytes()) {
    throw Error(path.string() + ": " + what + " needs " + std::to_string(tensor.bytes()) +
                " bytes (" + dtype_name(tensor.type) + ", " + std::to_string(tensor.elements()) +
                " elements), the file has " + std::to_string(bytes.size()));
  }
  std::memcpy(tensor.data, bytes.data(), bytes.size());
}

namespace {

double raw_value(const TensorView& t, size_t i) {
  const uint8_t* p = static_cast<const uint8_t*>(t.data);
  switch (t.type) {
    case DataType::kFloat32: {
      float v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case DataType::kInt32: {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case DataType::kInt64: {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      return static_cast<double>(v);
    }
    case DataType::kInt16: {
      int16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case DataType::kUInt16: {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case DataType::kUInt32: {
      uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case DataType::kUInt64: {
      uint64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      return static_cast<double>(v);
    }
    case DataType::kInt8:
      return static_cast<int8_t>(p[i]);
    default:
      return p[i];
  }
}

}  // namespace

double tensor_value(const TensorView& tensor, size_t i) {
  const double raw = raw_value(tensor, i);
  if (!tensor.is_quantized() || tensor.type == DataType::kFloat32) return raw;
  return tensor.scale() * (raw - tensor.zero_point());
}

std::string tensor_values_text(const TensorView& tensor, size_t limit) {
  std::ostringstream out;
  out.precision(6);
  const size_t n = static_cast<size_t>(tensor.elements());
  out << "[";
  for (size_t i = 0; i < n && i < limit; ++i) out << (i ? ", " : "") << raw_value(tensor, i);
  if (n > limit) out << ", ... (" << n << " values)";
  out << "]";
  return out.str();
}

void set_tensor_values(const TensorView& tensor, std::span<const float> values,
                       const std::string& label) {
  const auto quantize_into = [&]<typename T>(T* out) {
    const float scale = tensor.scale();
    const int32_t zero_point = tensor.zero_point();
    for (size_t k = 0; k < values.size(); ++k) {
      const long q = std::lround(values[k] / scale) + zero_point;
      out[k] = static_cast<T>(
          std::clamp<long>(q, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
  };
  switch (tensor.type) {
    case DataType::kFloat32:
      std::copy(values.begin(), values.end(), static_cast<float*>(tensor.data));
      return;
    case DataType::kInt8:
      return quantize_into(static_cast<int8_t*>(tensor.data));
    case DataType::kUInt8:
      return quantize_into(static_cast<uint8_t*>(tensor.data));
    case DataType::kInt16:
      return quantize_into(static_cast<int16_t*>(tensor.data));
    default:
      throw Error(label + ": input dtype " + dtype_name(tensor.type) +
                  " is not supported (expected float32, int8, uint8 or int16)");
  }
}

}  // namespace tinyforge::host
