#include "toolkit/graph/tensor.h"

#include <algorithm>

#include "toolkit/host/error.h"

namespace tinyforge::graph {

int64_t num_elements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw host::Error("shape " + shape_string(shape) + " has a negative dimension");
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string text = "[";
  // append(), not `(i ? "," : "") + std::to_string(...)`: GCC 12's -Wrestrict misfires there.
  for (size_t i = 0; i < shape.size(); ++i)
    text.append(i ? "," : "").append(std::to_string(shape[i]));
  return text + "]";
}

Tensor::Tensor(Shape shape, float fill)
    : shape_(std::move(shape)), data_(static_cast<size_t>(num_elements(shape_)), fill) {}

Tensor::Tensor(Shape shape, std::vector<float> values)
    : shape_(std::move(shape)), data_(values.begin(), values.end()) {
  if (static_cast<int64_t>(data_.size()) != num_elements(shape_)) {
    throw host::Error("tensor of shape " + shape_string(shape_) + " given " +
                      std::to_string(data_.size()) + " values");
  }
}

Tensor Tensor::reshaped(Shape shape) const {
  if (num_elements(shape) != size())
    throw host::Error("cannot reshape " + shape_string(shape_) + " to " + shape_string(shape));
  Tensor result = *this;
  result.shape_ = std::move(shape);
  return result;
}

void Tensor::fill(float value) { std::fill(data_.begin(), data_.end(), value); }

void Tensor::reset(Shape shape, float fill) {
  shape_ = std::move(shape);
  data_.assign(static_cast<size_t>(num_elements(shape_)), fill);
}

}  // namespace tinyforge::graph
