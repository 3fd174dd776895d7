#include <iostream>

#include "cli/command.h"
#include "toolkit/pipeline/features_run.h"

namespace tinyforge::cli {

void add_features_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "features",
      "Compute what the device computes from a recording: the feature frames of a WAV clip "
      "(audio features) or a CSV recording (motion features), window by window in one "
      "stateful interpreter, written back to back");
  struct Options {
    std::string source, input, output;
    double stride_ms = 0;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("source", options->source,
                  "PROJECT.yaml with a features block, or a feature model .tflite (its input is "
                  "one window of int16 samples, its output one frame)")
      ->required();
  cmd->add_option("input", options->input,
                  "The recording: .wav (audio) or .csv (sensor rows; a time column is skipped)")
      ->required();
  cmd->add_option("--stride-ms", options->stride_ms,
                  "Hop between windows in milliseconds (default: the features block's stride; "
                  "required for a .tflite without tinyforge metadata, e.g. 20 for TFLM's "
                  "audio_preprocessor_int8.tflite)");
  cmd->add_option("-o,--output", options->output, "Where the frames go (raw bytes)")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([options, &exit_code]() {
    exit_code = run_command(options->json, [&]() {
      pipeline::FeaturesRequest request{options->source, options->input, std::nullopt,
                                        options->output};
      if (options->stride_ms != 0) request.stride_ms = options->stride_ms;
      const nlohmann::json result = pipeline::run_features(request);
      if (!options->json) {
        std::cout << result["frames"] << " frames of " << result["frame_shape"].dump() << " "
                  << result["dtype"].get<std::string>() << " (window " << result["window_samples"]
                  << " samples, stride " << result["stride_samples"] << ") -> "
                  << result["output"].get<std::string>() << "\n";
      }
      return result;
    });
  });
}

}  // namespace tinyforge::cli
