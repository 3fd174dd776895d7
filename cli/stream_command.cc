// `tinyforge stream MODEL.tflite [--features F.tflite] --input REC.wav|REC.csv [--board B]
// [--json]`
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/app_options.h"
#include "cli/command.h"
#include "toolkit/deploy/stream_input.h"
#include "toolkit/deploy/stream_runner.h"

namespace tinyforge::cli {
namespace {

struct StreamOptions {
  std::string model;
  deploy::AppOptions app;
  std::string input;
  std::string board;
  double clock_mhz = 0;
  int timeout_s = 600;
  bool json = false;
};

void print_report(const deploy::StreamReport& r, const deploy::AppConfig& config) {
  for (const auto& e : r.events)
    std::printf("ACT %u %s %.3f\n", e.time_ms, e.label.c_str(), e.score);
  std::printf("%zu event(s) in %.2f s of input: %u strides of %u samples, %u inferences\n",
              r.events.size(), r.seconds, r.strides, config.stride, r.inferences);
  if (r.board.empty()) return;
  const double stride_ms = config.milliseconds(config.stride);
  std::printf(
      "%s: %.0f instructions per second of input; worst window %llu instructions; at %g MHz a "
      "%.1f ms stride has %.0f cycles: headroom %.1f%%%s\n",
      r.board.c_str(), r.instructions_per_second,
      static_cast<unsigned long long>(r.worst_window_instructions), r.clock_mhz, stride_ms,
      r.clock_mhz * 1000.0 * stride_ms, r.headroom_pct,
      r.headroom_pct < 0 ? " (does not keep up)" : "");
}

nlohmann::json stream(const StreamOptions& o) {
  deploy::AppOptions options = o.app;
  if (options.source.empty()) options.source = deploy::stream_source_of(o.input);
  const host::ModelFile classifier(o.model);
  std::unique_ptr<host::ModelFile> features;
  if (!options.features.empty()) features = std::make_unique<host::ModelFile>(options.features);
  const deploy::AppConfig config = deploy::resolve_app_config(options, classifier, features.get());
  const deploy::StreamSamples samples = deploy::read_stream_input(o.input, config);
  const deploy::StreamReport r =
      o.board.empty() ? deploy::stream_on_host(classifier, features.get(), config, samples)
                      : deploy::stream_on_board(o.board, o.model, options, config, samples,
                                                o.clock_mhz, o.timeout_s);
  if (!o.json) print_report(r, config);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : r.events) {
    events.push_back({{"time_ms", e.time_ms}, {"label", e.label}, {"score", e.score}});
  }
  nlohmann::json result = {
      {"events", events},           {"board", r.board.empty() ? "host" : r.board},
      {"seconds", r.seconds},       {"strides", r.strides},
      {"inferences", r.inferences}, {"settings", config.to_json()}};
  if (!r.board.empty()) {
    result["instructions_per_second"] = r.instructions_per_second;
    result["worst_window_instructions"] = r.worst_window_instructions;
    result["headroom_pct"] = r.headroom_pct;
    result["clock_mhz"] = r.clock_mhz;
  }
  return result;
}

}  // namespace

void add_stream_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "stream",
      "Play a recording (WAV audio or CSV sensor rows) to a stream application on the host or, "
      "with --board, on the emulated board; print its events (ACT time_ms label score) and, on "
      "a board, instructions and real-time headroom");
  auto o = std::make_shared<StreamOptions>();
  cmd->add_option("model", o->model, "The classifier (.tflite)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--input,-i", o->input,
                  "The recording: .wav (mono int16) or .csv (one row per sample)")
      ->required();
  add_app_options(cmd, o->app.app, "kws, anomaly, gesture or classify (default)", o->app);
  auto* board = cmd->add_option(
      "--board", o->board,
      "Run the deployed firmware in QEMU on this board (mps2-an386, mps2-an500, mps3-an547)");
  cmd->add_option("--clock-mhz", o->clock_mhz,
                  "With --board: the core clock headroom is stated at (default: the board's)")
      ->check(CLI::PositiveNumber)
      ->needs(board);
  cmd->add_option("--timeout", o->timeout_s, "With --board: seconds before QEMU is stopped")
      ->check(CLI::PositiveNumber)
      ->needs(board);
  cmd->add_flag("--json", o->json,
                "Print one JSON object (events, instructions_per_second, "
                "worst_window_instructions, headroom_pct, clock_mhz, board) as the last line");
  cmd->callback(
      [o, &exit_code]() { exit_code = run_command(o->json, [&]() { return stream(*o); }); });
}

}  // namespace tinyforge::cli
