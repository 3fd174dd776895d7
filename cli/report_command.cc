// `tinyforge report RUN_DIR [--model M] [--board B] -o report.html [--json]`
#include <iostream>

#include "cli/command.h"
#include "toolkit/report/html_report.h"

namespace tinyforge::cli {
namespace {

struct ReportCommand {
  std::string run_dir;
  std::string model;
  std::string board;
  std::string output = "report.html";
  bool no_profile = false;
  std::string sample;
  std::string features;
  std::optional<double> stride_ms;
  bool json = false;
};

nlohmann::json write_report(const ReportCommand& c) {
  report::ReportOptions options;
  options.run_dir = c.run_dir;
  options.model = c.model;
  options.board = c.board;
  options.profile_on_board = !c.no_profile;
  options.sample = c.sample;
  options.features = c.features;
  options.stride_ms = c.stride_ms;
  const report::ReportResult r = report::write_report(options, c.output);
  if (!c.json) {
    std::cout << "wrote " << r.output.string() << " (" << r.bytes << " bytes)\n";
    for (const auto& m : r.missing) std::cout << "  not shown: " << m << "\n";
  }
  return {{"output", r.output.string()},
          {"bytes", r.bytes},
          {"sections", r.sections},
          {"sources", r.sources},
          {"missing", r.missing}};
}

}  // namespace

namespace report_defaults {

std::string write(const std::filesystem::path& run_dir, const std::filesystem::path& model,
                  const std::filesystem::path& layer_errors, const std::filesystem::path& output) {
  try {
    report::ReportOptions options;
    options.run_dir = run_dir;
    options.model = model;
    options.layer_errors = layer_errors;
    return report::write_report(options, output).output.string();
  } catch (const std::exception& e) {
    std::cerr << "tinyforge: warning: no report written (" << output.string() << "): " << e.what()
              << std::endl;
    return "";
  }
}

}  // namespace report_defaults

void add_report_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML file showing a run: training curves, confusion matrices and "
      "per-class metrics (float and int8), quantization error per layer, the model graph, the "
      "memory plan against the board's budget and instructions per operator (docs/report.md)");
  auto c = std::make_shared<ReportCommand>();
  cmd->add_option("run_dir", c->run_dir,
                  "The run directory: log.csv and the JSON train, eval, convert --error-report, "
                  "deploy and run --profile wrote (docs/report.md lists the file names)")
      ->required();
  cmd->add_option("--model", c->model,
                  "The .tflite model to describe (default: RUN_DIR/model_int8.tflite, else "
                  "model_float.tflite)");
  cmd->add_option("--board", c->board,
                  "Count instructions per operator on this board under QEMU when RUN_DIR has no "
                  "profile.json, and plan the device arena for its kernels");
  cmd->add_flag("--no-profile", c->no_profile, "Do not run the model under QEMU for the profile");
  cmd->add_option("--sample", c->sample,
                  "Draw the spectrogram (feature frames) of this .wav clip or .csv recording");
  cmd->add_option("--features", c->features,
                  "The feature model for --sample (default: RUN_DIR/features.tflite)");
  cmd->add_option("--stride-ms", c->stride_ms,
                  "The hop for a feature model without tinyforge metadata (e.g. TFLM's 20 ms)");
  cmd->add_option("-o,--output", c->output, "The HTML file to write (default report.html)");
  cmd->add_flag("--json", c->json, "Print one JSON object as the last line");
  cmd->callback(
      [c, &exit_code]() { exit_code = run_command(c->json, [&]() { return write_report(*c); }); });
}

}  // namespace tinyforge::cli
