// The search space of `tinyforge tune` (the project file's `tune:` block, docs/tune.md): model
// families, width, depth, kernel size, classifier head, input resolution, learning rate and
// feature settings. A candidate is one point of it; it becomes a list of layers (a project's
// `model.layers`) the trial trains.
#ifndef TINYFORGE_TOOLKIT_TUNE_SEARCH_SPACE_H_
#define TINYFORGE_TOOLKIT_TUNE_SEARCH_SPACE_H_

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "toolkit/data/random.h"

namespace tinyforge::tune {

struct Candidate {
  std::string family;  // cnn, ds_cnn or mlp
  double width = 1.0;  // multiplies the family's base filters / units
  int depth = 2;       // convolution stages, depthwise-separable blocks or hidden layers
  int kernel = 3;
  // cnn only: "dense" flattens into a hidden dense layer; "pool" averages each channel over the
  // image first, so the classifier's weights do not grow with the resolution.
  std::string head = "dense";
  int resolution = 0;  // images resampled to resolution x resolution; 0: as the data has them
  double learning_rate = 0.001;
  std::map<std::string, double> features;  // features.<key> -> value

  // A short name that identifies the candidate ("cnn-w1-d2-k3-lr0.001",
  // "cnn-w1-d2-k3-pool-lr0.001").
  std::string key() const;
  nlohmann::json to_json() const;
  // The model's layers for `classes` outputs, as `model.layers` takes them.
  YAML::Node layers(int classes) const;
};

struct SearchSpace {
  std::vector<std::string> families;
  std::vector<double> widths;
  std::vector<int> depths;
  std::vector<int> kernels;
  std::vector<std::string> heads;  // cnn's: dense, pool
  std::vector<int> resolutions;    // images only; empty: the data's own size, not searched
  std::vector<double> learning_rates;
  std::map<std::string, std::vector<double>> features;

  // Every choice drawn uniformly.
  Candidate sample(data::Rng& rng) const;
  // One dimension moved to a neighbouring choice (families: any other family).
  Candidate mutate(const Candidate& parent, data::Rng& rng) const;
  size_t size() const;  // how many distinct candidates there are
};

// The families' defaults for a project of this data format ("wav_folder": keyword models on
// feature frames; "csv"/"csv_windows": MLPs; images otherwise).
SearchSpace default_search_space(const std::string& data_format);

// The `tune:` block over the defaults; unknown keys and bad values throw host::Error naming
// `label` and the key ("p.yaml: tune.width: expected a list of positive numbers").
SearchSpace parse_search_space(const YAML::Node& tune, const std::string& data_format,
                               const std::string& label);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_SEARCH_SPACE_H_
