// `tinyforge data inspect` as a library call: load the configured dataset, summarize it and write
// the sample grid.
#ifndef TINYFORGE_TOOLKIT_DATA_INSPECT_H_
#define TINYFORGE_TOOLKIT_DATA_INSPECT_H_

#include <string>

#include "toolkit/data/config.h"
#include "toolkit/data/summary.h"

namespace tinyforge::data {

// Loads `config` with load_dataset() and summarizes it; with a non-empty `grid_png`, writes the
// training split's sample grid there (recorded in the summary when the data are images).
DatasetSummary inspect_dataset(const DataConfig& config, const std::string& grid_png = "",
                               int per_class = 8);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_INSPECT_H_
