// `tinyforge features`: what the device computes from one recording, frame by frame: the
// project's feature graph (or any feature model, such as TFLM's audio preprocessor) run over a
// clip window by window in one stateful interpreter, the frames written back to back.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_FEATURES_RUN_H_
#define TINYFORGE_TOOLKIT_PIPELINE_FEATURES_RUN_H_

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

namespace tinyforge::pipeline {

struct FeaturesRequest {
  std::filesystem::path source;     // PROJECT.yaml with a features block, or a feature .tflite
  std::filesystem::path input;      // a .wav clip, or a .csv recording for sensor features
  std::optional<double> stride_ms;  // the hop; required for a .tflite without tinyforge metadata
  std::filesystem::path output;     // frames back to back (written atomically)
};

// Returns {output, frames, frame_shape, dtype, window_samples, stride_samples, sample_rate}.
// Throws host::Error naming the file and what is wrong (rate, shorter than a window, ...).
nlohmann::json run_features(const FeaturesRequest& request);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_FEATURES_RUN_H_
