// A labelled classification dataset held in memory: one float feature block per sample (all of
// the same sample shape, channels last), an integer label, and where each sample came from
// ("file" or "file:line") so that later stages can name the culprit in an error.
#ifndef TINYFORGE_TOOLKIT_DATA_DATASET_H_
#define TINYFORGE_TOOLKIT_DATA_DATASET_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "toolkit/data/normalization.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::data {

class Dataset {
 public:
  Dataset() = default;
  Dataset(graph::Shape sample_shape, std::vector<std::string> class_names);

  const graph::Shape& sample_shape() const { return sample_shape_; }
  // Floats per sample (the product of the sample shape).
  int64_t sample_size() const { return sample_size_; }
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  bool empty() const { return labels_.empty(); }
  int num_classes() const { return static_cast<int>(class_names_.size()); }

  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::vector<int>& labels() const { return labels_; }
  const std::vector<std::string>& sources() const { return sources_; }
  const std::vector<float>& features() const { return features_; }
  std::vector<float>& features() { return features_; }

  int label(int64_t i) const { return labels_[i]; }
  const std::string& source(int64_t i) const { return sources_[i]; }
  std::span<const float> sample(int64_t i) const;
  std::span<float> sample(int64_t i);

  // Appends one sample; throws host::Error naming `source` if the size or label is wrong.
  void add(std::span<const float> features, int label, std::string source);
  void reserve(int64_t samples);

  // Samples at `indices`, in that order (class names and shape carried over).
  Dataset subset(std::span<const int64_t> indices) const;
  // The samples at `indices` stacked as one tensor [indices.size(), sample_shape...].
  graph::Tensor gather(std::span<const int64_t> indices) const;
  // The whole dataset as [size(), sample_shape...].
  graph::Tensor to_tensor() const;
  // Number of samples per class (index = label).
  std::vector<int64_t> class_counts() const;

  // Bad samples a loader skipped (skip_bad), with the reason for each ("file:line: what").
  std::vector<std::string> skipped;

 private:
  graph::Shape sample_shape_;
  int64_t sample_size_ = 0;
  std::vector<std::string> class_names_;
  std::vector<float> features_;
  std::vector<int> labels_;
  std::vector<std::string> sources_;
};

// The three splits a trainer needs; any of validation/test may be empty. `normalization` is what
// load_dataset() applied to all three (computed on train); store it with the model.
struct DatasetSplit {
  Dataset train, validation, test;
  Normalization normalization;
};

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_DATASET_H_
