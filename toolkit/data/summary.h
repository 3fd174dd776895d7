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
  std::vector<int64_t> per_class;  // index = label
};

struct DatasetSummary {
  std::vector<std::string> class_names;
  graph::Shape sample_shape;
  std::vector<SplitSummary> splits;
  std::vector<std::string> skipped;  // bad samples skipped (skip_bad), with reasons
  Normalization normalization;
  std::string grid_png;  // the sample grid written, if any
};

DatasetSummary summarize(const DatasetSplit& split);

// {"classes": [...], "sample_shape": [...], "splits": {"train": {"samples": N, "per_class":
// {"name": n, ...}}, ...}, "skipped": n, "skipped_samples": [...], "normalization": {...},
// "grid_png": "..."}
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
