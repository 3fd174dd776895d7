// A read/write view of one tensor as kernels and callers see it: dtype, shape, data, quantization.
#ifndef TINYFORGE_TENSOR_H_
#define TINYFORGE_TENSOR_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace tinyforge {

// Values match tflite::TensorType so conversion is a cast.
enum class DataType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kInt8 = 9,
  kUInt64 = 12,  // the audio frontend's filter bank energies
  kUInt32 = 15,  // the audio frontend's spectra and channel values
  kUInt16 = 16,
  kNone = -1,  // an omitted optional operand
};

const char* dtype_name(DataType type);
// Bytes per element, or 0 for types the runtime cannot hold.
size_t dtype_size(DataType type);

constexpr int kMaxRank = 6;

struct TensorView {
  DataType type = DataType::kNone;
  int rank = 0;
  const int32_t* dims = nullptr;  // `rank` entries, points into the model
  void* data = nullptr;           // null while a model is only being checked
  const char* name = "";
  // Quantization: `num_scales` is 0 (not quantized), 1 (per tensor) or the size of
  // `quantized_dimension` (per channel). zero points are stored as int64 in the file and
  // may be unaligned, so they are read through zero_point().
  const float* scales = nullptr;
  int num_scales = 0;
  const uint8_t* zero_points_raw = nullptr;
  int num_zero_points = 0;
  int quantized_dimension = 0;
  bool is_constant = false;
  bool is_variable = false;

  bool present() const { return type != DataType::kNone; }
  int32_t dim(int i) const { return i < 0 ? dims[rank + i] : dims[i]; }
  int64_t elements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(type); }
  float scale(int channel = 0) const { return num_scales > channel ? scales[channel] : 0.0f; }
  int32_t zero_point(int channel = 0) const {
    if (channel >= num_zero_points) return 0;
    int64_t value;
    memcpy(&value, zero_points_raw + 8 * channel, sizeof(value));
    return static_cast<int32_t>(value);
  }
  bool is_quantized() const { return num_scales > 0; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

bool same_shape(const TensorView& a, const TensorView& b);

}  // namespace tinyforge

#endif  // TINYFORGE_TENSOR_H_
