// A dataset held in memory: one float feature block per sample (all of the same sample shape,
// channels last) and what the model should predict: an integer label (classification) or one
// float per target (regression). Each sample remembers where it came from ("file" or
// "file:line", so later stages can name the culprit in an error) and its group: the recording,
// speaker or file it belongs to, which a split must never divide (overlapping windows of one
// recording in train and test would inflate accuracy).
#ifndef TINYFORGE_TOOLKIT_DATA_DATASET_H_
#define TINYFORGE_TOOLKIT_DATA_DATASET_H_

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "toolkit/data/detection.h"
#include "toolkit/data/normalization.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::data {

class Dataset {
 public:
  Dataset() = default;
  // A classification dataset with these classes (label k is class_names[k]).
  Dataset(graph::Shape sample_shape, std::vector<std::string> class_names);
  // A regression dataset: every sample carries one float per target name.
  static Dataset regression(graph::Shape sample_shape, std::vector<std::string> target_names);

  const graph::Shape& sample_shape() const { return sample_shape_; }
  // Floats per sample (the product of the sample shape).
  int64_t sample_size() const { return sample_size_; }
  int64_t size() const { return static_cast<int64_t>(sources_.size()); }
  bool empty() const { return sources_.empty(); }

  // Classification: the classes and one label per sample. A regression dataset has neither.
  int num_classes() const { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::vector<int>& labels() const { return labels_; }
  int label(int64_t i) const { return labels_[i]; }
  // Number of samples per class (index = label); empty for regression.
  std::vector<int64_t> class_counts() const;

  // Detection: every sample also carries its objects' boxes in its own pixels (labels index the
  // classes; class 0 is the background). Its label is the class most of its objects have (0 for
  // none), so splits stay stratified.
  static Dataset detection(graph::Shape sample_shape, std::vector<std::string> class_names);
  bool is_detection() const { return detection_; }
  const std::vector<Box>& boxes(int64_t i) const { return boxes_[i]; }
  void add_objects(std::span<const float> features, std::vector<Box> boxes, std::string source,
                   std::string group = {});

  // Regression: the target names and num_targets() floats per sample, sample after sample.
  bool is_regression() const { return !target_names_.empty(); }
  int num_targets() const { return static_cast<int>(target_names_.size()); }
  const std::vector<std::string>& target_names() const { return target_names_; }
  const std::vector<float>& targets() const { return targets_; }
  std::span<const float> target(int64_t i) const;

  const std::vector<std::string>& sources() const { return sources_; }
  const std::string& source(int64_t i) const { return sources_[i]; }
  // The sample's group (recording file, speaker); a sample added without one is its own group,
  // named by its source.
  const std::string& group(int64_t i) const;
  // Distinct groups.
  int64_t num_groups() const;

  const std::vector<float>& features() const { return features_; }
  std::vector<float>& features() { return features_; }
  std::span<const float> sample(int64_t i) const;
  std::span<float> sample(int64_t i);

  // Appends one classification sample; throws host::Error naming `source` if the size or label
  // is wrong (or the dataset is a regression one). An empty `group` makes the sample its own.
  void add(std::span<const float> features, int label, std::string source, std::string group = {});
  // Appends one regression sample with num_targets() targets.
  void add_regression(std::span<const float> features, std::span<const float> targets,
                      std::string source, std::string group = {});
  void reserve(int64_t samples);

  // Samples at `indices`, in that order (classes/targets, shape and groups carried over).
  Dataset subset(std::span<const int64_t> indices) const;
  // The samples at `indices` stacked as one tensor [indices.size(), sample_shape...].
  graph::Tensor gather(std::span<const int64_t> indices) const;
  // Their targets as [indices.size(), num_targets()] (regression only).
  graph::Tensor gather_targets(std::span<const int64_t> indices) const;
  // The whole dataset as [size(), sample_shape...].
  graph::Tensor to_tensor() const;

  // Bad samples a loader skipped (skip_bad), with the reason for each ("file:line: what").
  std::vector<std::string> skipped;
  // Things a loader noticed that do not stop loading (clips at an odd sample rate, ...).
  std::vector<std::string> warnings;
  // What a group is, for messages: "recording", "speaker", or "sample" (every sample its own).
  std::string group_kind = "sample";

 private:
  void append(std::span<const float> features, std::string source, std::string group);

  graph::Shape sample_shape_;
  int64_t sample_size_ = 0;
  std::vector<std::string> class_names_;
  std::vector<std::string> target_names_;
  std::vector<float> features_;
  std::vector<int> labels_;
  std::vector<float> targets_;
  bool detection_ = false;
  std::vector<std::vector<Box>> boxes_;  // detection: per sample
  std::vector<std::string> sources_;
  // Per sample an index into group_names_, or -1: the sample is its own group.
  std::vector<int32_t> group_ids_;
  std::vector<std::string> group_names_;
  std::unordered_map<std::string, int32_t> group_index_;
};

// The three splits a trainer needs; any of validation/test may be empty. `normalization` is what
// load_dataset() applied to all three (computed on train); store it with the model. For
// regression, `target_normalization` is the targets' mean and standard deviation on train (the
// targets themselves stay in their own units).
struct DatasetSplit {
  Dataset train, validation, test;
  Normalization normalization;
  Normalization target_normalization;
  // What the loaders and the split want the user to know (printed by train, listed by inspect).
  std::vector<std::string> warnings;
};

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_DATASET_H_
