#include "cli/app_options.h"

namespace tinyforge::cli {
namespace {

CLI::Option* add_count(CLI::App* cmd, const char* name, std::optional<uint32_t>& field,
                       const char* help) {
  return cmd
      ->add_option_function<uint32_t>(
          name, [&field](const uint32_t& value) { field = value; }, help)
      ->check(CLI::PositiveNumber);
}

}  // namespace

std::vector<CLI::Option*> add_app_options(CLI::App* cmd, std::string& app,
                                          const std::string& app_help, deploy::AppOptions& o,
                                          const std::vector<std::string>& extra_apps) {
  std::vector<std::string> kinds = deploy::app_kinds();
  kinds.insert(kinds.end(), extra_apps.begin(), extra_apps.end());
  cmd->add_option("--app", app, app_help)->check(CLI::IsMember(kinds));
  const size_t first = cmd->get_options().size();
  cmd->add_option("--features", o.features,
                  "Feature model (.tflite): one window of raw samples in, one feature frame out; "
                  "without it the classifier takes the raw window")
      ->check(CLI::ExistingFile);
  cmd->add_option("--source", o.source,
                  "audio (int16 mono) or sensor (float32 per axis); default: from the models")
      ->check(CLI::IsMember({"audio", "sensor"}));
  cmd->add_option("--labels", o.labels, "Class names in output order (default: metadata labels)")
      ->delimiter(',');
  add_count(cmd, "--sample-rate", o.sample_rate_hz,
            "Samples per second (default: metadata, else 16000 audio / 100 sensor)");
  add_count(cmd, "--window", o.window, "Samples per window (default: the model's input)");
  add_count(cmd, "--stride", o.stride,
            "Samples between windows (default: 20 ms for audio features, else half a window)");
  add_count(cmd, "--axes", o.axes, "Values per sensor sample (default: the model's input shape)");
  add_count(cmd, "--period", o.inference_period, "Run the classifier every K strides (default 1)");
  add_count(cmd, "--average", o.average_count,
            "Average scores over the last N inferences (default 3 for kws, else 1)");
  cmd->add_option_function<uint32_t>(
      "--suppression-ms", [&o](const uint32_t& v) { o.suppression_ms = v; },
      "After an event, none fires for this long (default 1000)");
  cmd->add_option_function<double>(
      "--threshold", [&o](const double& v) { o.threshold = v; },
      "Score from which a class fires (default 0.75 kws, 0.6 others); anomaly: the mean squared "
      "reconstruction error (required)");
  cmd->add_option("--thresholds", o.class_thresholds,
                  "Per-class thresholds LABEL=VALUE,... (also makes a background class fire)")
      ->delimiter(',');
  cmd->add_option_function<std::vector<std::string>>(
         "--ignore", [&o](const std::vector<std::string>& v) { o.ignore = v; },
         "Classes that never fire (default: silence, unknown, background, idle, ... if present)")
      ->delimiter(',');
  const auto all = cmd->get_options();
  return std::vector<CLI::Option*>(all.begin() + static_cast<std::ptrdiff_t>(first), all.end());
}

}  // namespace tinyforge::cli
