#include "toolkit/data/dataset.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "toolkit/host/error.h"

namespace tinyforge::data {

Dataset::Dataset(graph::Shape sample_shape, std::vector<std::string> class_names)
    : sample_shape_(std::move(sample_shape)),
      sample_size_(graph::num_elements(sample_shape_)),
      class_names_(std::move(class_names)) {}

Dataset Dataset::regression(graph::Shape sample_shape, std::vector<std::string> target_names) {
  if (target_names.empty()) throw host::Error("a regression dataset needs at least one target");
  Dataset d(std::move(sample_shape), {});
  d.target_names_ = std::move(target_names);
  return d;
}

Dataset Dataset::detection(graph::Shape sample_shape, std::vector<std::string> class_names) {
  Dataset d(std::move(sample_shape), std::move(class_names));
  d.detection_ = true;
  return d;
}

void Dataset::add_objects(std::span<const float> features, std::vector<Box> boxes,
                          std::string source, std::string group) {
  if (!detection_) throw host::Error(source + ": boxes for a dataset that is not a detection one");
  std::vector<int> counts(class_names_.size(), 0);
  for (const Box& box : boxes) {
    if (box.label <= 0 || box.label >= num_classes()) {
      throw host::Error(source + ": box label " + std::to_string(box.label) + " is outside 1.." +
                        std::to_string(num_classes() - 1));
    }
    ++counts[box.label];
  }
  add(features, static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin()),
      std::move(source), std::move(group));
  boxes_.push_back(std::move(boxes));
}

std::span<const float> Dataset::sample(int64_t i) const {
  return {features_.data() + i * sample_size_, static_cast<size_t>(sample_size_)};
}

std::span<float> Dataset::sample(int64_t i) {
  return {features_.data() + i * sample_size_, static_cast<size_t>(sample_size_)};
}

std::span<const float> Dataset::target(int64_t i) const {
  const size_t n = target_names_.size();
  return {targets_.data() + i * n, n};
}

const std::string& Dataset::group(int64_t i) const {
  const int32_t id = group_ids_[i];
  return id < 0 ? sources_[i] : group_names_[id];
}

int64_t Dataset::num_groups() const {
  std::unordered_set<std::string_view> seen;
  for (int64_t i = 0; i < size(); ++i) seen.insert(group(i));
  return static_cast<int64_t>(seen.size());
}

void Dataset::append(std::span<const float> features, std::string source, std::string group) {
  if (static_cast<int64_t>(features.size()) != sample_size_) {
    throw host::Error(source + ": sample has " + std::to_string(features.size()) +
                      " values; expected " + std::to_string(sample_size_) + " (shape " +
                      graph::shape_string(sample_shape_) + ")");
  }
  int32_t id = -1;
  if (!group.empty() && group != source) {  // a group named as the source is the sample's own
    auto [it, added] = group_index_.try_emplace(group, static_cast<int32_t>(group_names_.size()));
    if (added) group_names_.push_back(std::move(group));
    id = it->second;
  }
  features_.insert(features_.end(), features.begin(), features.end());
  sources_.push_back(std::move(source));
  group_ids_.push_back(id);
}

void Dataset::add(std::span<const float> features, int label, std::string source,
                  std::string group) {
  if (is_regression()) {
    throw host::Error(source + ": a class label for a regression dataset (it takes targets)");
  }
  if (label < 0 || label >= num_classes()) {
    throw host::Error(source + ": label " + std::to_string(label) + " is outside 0.." +
                      std::to_string(num_classes() - 1));
  }
  append(features, std::move(source), std::move(group));
  labels_.push_back(label);
}

void Dataset::add_regression(std::span<const float> features, std::span<const float> targets,
                             std::string source, std::string group) {
  if (static_cast<int>(targets.size()) != num_targets()) {
    throw host::Error(source + ": " + std::to_string(targets.size()) + " targets; expected " +
                      std::to_string(num_targets()));
  }
  append(features, std::move(source), std::move(group));
  targets_.insert(targets_.end(), targets.begin(), targets.end());
}

void Dataset::reserve(int64_t samples) {
  features_.reserve(samples * sample_size_);
  if (is_regression()) {
    targets_.reserve(samples * num_targets());
  } else {
    labels_.reserve(samples);
  }
  sources_.reserve(samples);
  group_ids_.reserve(samples);
}

Dataset Dataset::subset(std::span<const int64_t> indices) const {
  Dataset out(sample_shape_, class_names_);
  out.target_names_ = target_names_;
  out.detection_ = detection_;
  out.group_kind = group_kind;
  out.group_names_ = group_names_;
  out.group_index_ = group_index_;
  out.reserve(static_cast<int64_t>(indices.size()));
  for (int64_t i : indices) {
    auto s = sample(i);
    out.features_.insert(out.features_.end(), s.begin(), s.end());
    if (is_regression()) {
      auto t = target(i);
      out.targets_.insert(out.targets_.end(), t.begin(), t.end());
    } else {
      out.labels_.push_back(labels_[i]);
    }
    if (detection_) out.boxes_.push_back(boxes_[i]);
    out.sources_.push_back(sources_[i]);
    out.group_ids_.push_back(group_ids_[i]);
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

graph::Tensor Dataset::gather_targets(std::span<const int64_t> indices) const {
  if (!is_regression()) throw host::Error("targets asked of a classification dataset");
  graph::Tensor out({static_cast<int64_t>(indices.size()), num_targets()});
  float* dst = out.data();
  for (int64_t i : indices) {
    auto t = target(i);
    dst = std::copy(t.begin(), t.end(), dst);
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
