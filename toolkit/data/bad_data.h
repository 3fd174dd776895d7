// One policy for every loader's bad input (unreadable file, wrong size, ragged row): throw
// host::Error naming the place, or with skip_bad record it in Dataset::skipped and go on.
#ifndef TINYFORGE_TOOLKIT_DATA_BAD_DATA_H_
#define TINYFORGE_TOOLKIT_DATA_BAD_DATA_H_

#include <string>

#include "toolkit/data/dataset.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

// `message` already names the place ("file: what" or "file:line: what") and the expectation.
inline void reject_sample(Dataset& dataset, bool skip_bad, std::string message) {
  if (!skip_bad) throw host::Error(message + " (skip_bad: true skips bad samples)");
  dataset.skipped.push_back(std::move(message));
}

// `where` is "file" or "file:line"; `what` says what is wrong and what was expected.
inline void reject_sample(Dataset& dataset, bool skip_bad, const std::string& where,
                          const std::string& what) {
  reject_sample(dataset, skip_bad, where + ": " + what);
}

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_BAD_DATA_H_
