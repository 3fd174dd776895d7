#include "toolkit/data/inspect.h"

namespace tinyforge::data {

DatasetSummary inspect_dataset(const DataConfig& config, const std::string& grid_png,
                               int per_class) {
  DatasetSplit split = load_dataset(config);
  DatasetSummary summary = summarize(split);
  if (!grid_png.empty() &&
      write_sample_grid(split.train, split.normalization, grid_png, per_class)) {
    summary.grid_png = grid_png;
  }
  return summary;
}

}  // namespace tinyforge::data
