// The settings of a stream application (`deploy --app`, `stream`): what the user gave on the
// command line, completed from the models' `tinyforge` metadata and shapes and checked against the
// pipeline contract (docs/firmware-app.md). One AppConfig feeds both the host run and the
// generated firmware, so both run with the same numbers.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_APP_CONFIG_H_
#define TINYFORGE_TOOLKIT_DEPLOY_APP_CONFIG_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/settings.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::deploy {

// The products: kws (audio keywords), gesture (motion sensor classes), classify (any classifier
// over a stream) and anomaly (an autoencoder's reconstruction error).
const std::vector<std::string>& app_kinds();

struct AppOptions {
  std::string app = "classify";
  std::filesystem::path features;  // the feature model; empty: the classifier takes raw windows
  std::string source;              // "audio" or "sensor"; empty: from the models and the app
  std::vector<std::string> labels;
  std::optional<uint32_t> sample_rate_hz, window, stride, axes, inference_period, average_count,
      suppression_ms;
  std::optional<double> threshold;                 // every firing class
  std::vector<std::string> class_thresholds;       // "label=value", overrides threshold and ignore
  std::optional<std::vector<std::string>> ignore;  // labels that never fire
};

class AppConfig {
 public:
  std::string app;
  app::SampleKind samples = app::SampleKind::kAudioInt16;
  uint32_t axes = 1, sample_rate_hz = 0, window = 0, stride = 0, inference_period = 1,
           average_count = 1, suppression_ms = 0;
  app::Scoring scoring = app::Scoring::kClasses;
  std::vector<std::string> labels;
  std::vector<int32_t> thresholds;  // Q16 per label, kNeverFires for classes that never fire
  std::vector<float> input_mean, input_std;
  uint32_t storage_bytes = 0;  // the pipeline's working memory (StreamPipeline::storage_bytes)

  // A view for the pipeline; points into this object, which must outlive it and stay unchanged.
  app::Settings settings() const;
  nlohmann::json to_json() const;
  // Statements that define `constexpr tinyforge::app::Settings kSettings` and the arrays it points
  // to, for the generated app_config.cc.
  std::string cpp_definitions() const;
  double milliseconds(uint64_t samples) const {
    return 1000.0 * static_cast<double>(samples) / sample_rate_hz;
  }

 private:
  mutable std::vector<const char*> label_pointers_;
};

// Completes and checks `options` against the classifier (and feature model); throws host::Error
// naming the model, the flag or metadata key, and what was expected.
AppConfig resolve_app_config(const AppOptions& options, const host::ModelFile& classifier,
                             const host::ModelFile* features);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_APP_CONFIG_H_
