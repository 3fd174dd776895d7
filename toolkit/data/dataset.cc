#include "toolkit/data/dataset.h"

#include <algorithm>
#include <utility>

#include "toolkit/host/error.h"

namespace tinyforge::data {

Dataset::Dataset(graph::Shape sample_shape, std::vector<std::string> class_names)
    : sample_shape_(std::move(sample_shape)),
      sample_size_(graph::num_elements(sample_shape_)),
      class_names_(std::move(class_names)) {}

std::span<const float> Dataset::sample(int64_t i) const {
  return {features_.data() + i * sample_size_, static_cast<size_t>(sample_size_)};
}

std::span<float> Dataset::sample(int64_t i) {
  return {features_.data() + i * sample_size_, static_cast<size_t>(sample_size_)};
}

void Dataset::add(std::span<const float> features, int label, std::string source) {
  if (static_cast<int64_t>(features.size()) != sample_size_) {
    throw host::Error(source + ": sample has " + std::to_string(features.size()) +
                      " values; expected " + std::to_string(sample_size_) + " (shape " +
                      graph::shape_string(sample_shape_) + ")");
  }
  if (label < 0 || label >= num_classes()) {
    throw host::Error(source + ": label " + std::to_string(label) + " is outside 0.." +
                      std::to_string(num_classes() - 1));
  }
  features_.insert(features_.end(), features.begin(), features.end());
  labels_.push_back(label);
  sources_.push_back(std::move(source));
}

void Dataset::reserve(int64_t samples) {
  features_.reserve(samples * sample_size_);
  labels_.reserve(samples);
  sources_.reserve(samples);
}

Dataset Dataset::subset(std::span<const int64_t> indices) const {
  Dataset out(sample_shape_, class_names_);
  out.reserve(static_cast<int64_t>(indices.size()));
  for (int64_t i : indices) {
    auto s = sample(i);
    out.features_.insert(out.features_.end(), s.begin(), s.end());
    out.labels_.push_back(labels_[i]);
    out.sources_.push_back(sources_[i]);
  }
  return out;
}

graph::Tensor Dataset::gather(std::span<const int64_t> indices) const {
  graph::Shape shape{static_cast<int64_t>(indices.size())};
  shape.insert(shape.end(), sample_shape_.begin(), sample_shape_.end());
  graph::Tensor out(shape);
  float* dst = out.data();
  for (int64_t i : indices) {
    auto s = sample(i);
    dst = std::copy(s.begin(), s.end(), dst);
  }
  return out;
}

graph::Tensor Dataset::to_tensor() const {
  graph::Shape shape{size()};
  shape.insert(shape.end(), sample_shape_.begin(), sample_shape_.end());
  return graph::Tensor(shape, features_);
}

std::vector<int64_t> Dataset::class_counts() const {
  std::vector<int64_t> counts(class_names_.size(), 0);
  for (int l : labels_) ++counts[l];
  return counts;
}

}  // namespace tinyforge::data
