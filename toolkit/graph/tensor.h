// A dense float32 host tensor, row-major, channels last (NHWC) like TFLite. Training, the graph's
// parameters and datasets all use it.
#ifndef TINYFORGE_TOOLKIT_GRAPH_TENSOR_H_
#define TINYFORGE_TOOLKIT_GRAPH_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolkit/graph/aligned_storage.h"

namespace tinyforge::graph {

using Shape = std::vector<int64_t>;

// Product of the dimensions (1 for a scalar). Throws host::Error for negative dimensions.
int64_t num_elements(const Shape& shape);
std::string shape_string(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);
  Tensor(Shape shape, std::vector<float> values);  // values.size() must match the shape

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  // Dimension i; negative i counts from the end.
  int64_t dim(int i) const { return shape_[i < 0 ? shape_.size() + i : i]; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  FloatStorage& values() { return data_; }
  const FloatStorage& values() const { return data_; }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }

  // Same values, another shape with the same number of elements.
  Tensor reshaped(Shape shape) const;
  void fill(float value);
  // Resizes to `shape`, keeping no values (used for outputs and gradients).
  void reset(Shape shape, float fill = 0.0f);

 private:
  Shape shape_;
  FloatStorage data_;  // 64-byte aligned: see aligned_storage.h
};

}  // namespace tinyforge::graph

#endif  // TINYFORGE_TOOLKIT_GRAPH_TENSOR_H_
