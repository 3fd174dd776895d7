// The report's "detections" section for a detector's run: a few of the images it was trained on
// with what the model finds drawn on them (tinyforge detect: rings for centroids, boxes), inline
// as PNG data URIs so the page stays self-contained.
#ifndef TINYFORGE_TOOLKIT_REPORT_DETECTION_SAMPLES_H_
#define TINYFORGE_TOOLKIT_REPORT_DETECTION_SAMPLES_H_

#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::report {

// Images drawn at most (the first of the data folder, sorted): a few keep the page small.
constexpr int kDetectionSamples = 3;

// The section's HTML. A model that is no detector (its metadata has no "detector") gets a line
// saying so; a detector whose images cannot be found (RUN_DIR/model.tfm's data_path) a note that
// is also appended to `missing`.
std::string detection_samples(const std::filesystem::path& model,
                              const std::filesystem::path& run_dir,
                              std::vector<std::string>* missing);

}  // namespace tinyforge::report

#endif  // TINYFORGE_TOOLKIT_REPORT_DETECTION_SAMPLES_H_
