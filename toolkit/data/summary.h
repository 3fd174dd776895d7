// What `tinyforge data inspect` shows: counts per class per split, the sample shape, skipped bad
// samples, and a PNG grid of example images.
#ifndef TINYFORGE_TOOLKIT_DATA_SUMMARY_H_
#define TINYFORGE_TOOLKIT_DATA_SUMMARY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct SplitSummary {
  std::string name;  // "train", "validation", "test"
  int64_t samples = 0;
  int64_t groups = 0;              // distinct recordings/speakers (= samples when none)
  std::vector<int64_t> per_class;  // index = label
  // Regression: per target, over the split's samples (empty when it has none).
  std::vector<double> target_mean, target_min, target_max;
};

struct DatasetSummary {
  std::vector<std::string> class_names;
  std::vector<std::string> target_names;  // regression only
  graph::Shape sample_shape;
  std::string group_kind;  // what a group is: "recording", "speaker", "sample"
  std::vector<SplitSummary> splits;
  std::vector<std::string> skipped;   // bad samples skipped (skip_bad), with reasons
  std::vector<std::string> warnings;  // DatasetSplit::warnings
  Normalization normalization;
  Normalization target_normalization;  // regression: the train targets' mean/std
  std::string grid_png;                // the sample grid written, if any
};

DatasetSummary summarize(const DatasetSplit& split);

// {"task": "classification", "classes": [...], "sample_shape": [...], "group_kind": "...",
// "splits": {"train": {"samples": N, "groups": G, "per_class": {"name": n, ...}}, ...},
// "skipped": n, "skipped_samples": [...], "warnings": [...], "normalization": {...},
// "grid_png": "..."}; for regression "task": "regression", "targets": [...], each split's
// "target_mean"/"target_min"/"target_max" instead of per_class, and "target_normalization".
nlohmann::json to_json(const DatasetSummary& summary);
// A fixed-width table for the terminal.
std::string to_text(const DatasetSummary& summary);

// Writes a grid of up to `per_class` samples of each class (one row per class, in dataset order)
// as PNG, undoing `norm` and scaling [0, 1] to 0..255. Samples must be images [H, W, 1|3];
// returns false (writing nothing) for other data. Throws host::Error if the file cannot be
// written.
bool write_sample_grid(const Dataset& dataset, const Normalization& norm, const std::string& path,
                       int per_class = 8);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_SUMMARY_H_
