#include "toolkit/deploy/stream_runner.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <regex>

#include "app/app_hal.h"
#include "app/stream_pipeline.h"
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/export/c_array.h"
#include "toolkit/host/error.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::deploy {
namespace fs = std::filesystem;
using host::Error;

namespace {

// The QEMU HAL's clock (hal_semihosting.cc): the samples consumed.
uint32_t clock_ms(uint64_t samples, uint32_t rate) {
  return static_cast<uint32_t>(samples * 1000u / rate);
}

void fill_totals(StreamReport* r, const AppConfig& config, const StreamSamples& samples) {
  r->samples = samples.count;
  r->seconds = config.milliseconds(samples.count) / 1000.0;
}

// A cache directory per board, models and settings: a repeated stream reuses its firmware.
fs::path app_cache_dir(const std::string& board, const fs::path& model, const AppOptions& options,
                       const AppConfig& config) {
  // append(), not `"\n" + ...`: that trips GCC 12's -Wrestrict (a false positive).
  std::string key = board;
  key.append("\n").append(config.cpp_definitions());
  for (const fs::path& file : {model, options.features}) {
    if (file.empty()) continue;
    const auto bytes = host::read_file(file);
    key.append("\n").append(host::sha256_hex(bytes.data(), bytes.size()));
  }
  return firmware_cache_dir() / "apps" /
         (board + "-" + host::sha256_hex(key.data(), key.size()).substr(0, 16));
}

}  // namespace

std::vector<StreamEvent> parse_event_lines(const std::string& console) {
  std::vector<StreamEvent> events;
  const std::regex line("(^|\n)ACT ([0-9]+) (\\S+) (-?[0-9]+\\.[0-9]+)");
  for (auto it = std::sregex_iterator(console.begin(), console.end(), line);
       it != std::sregex_iterator(); ++it) {
    events.push_back({static_cast<uint32_t>(std::stoul((*it)[2].str())), (*it)[3].str(),
                      std::stod((*it)[4].str())});
  }
  return events;
}

StreamReport stream_on_host(const host::ModelFile& classifier, const host::ModelFile* features,
                            const AppConfig& config, const StreamSamples& samples) {
  host::HostInterpreter classifier_runner(classifier);
  std::unique_ptr<host::HostInterpreter> features_runner;
  if (features != nullptr) features_runner = std::make_unique<host::HostInterpreter>(*features);
  const app::Settings settings = config.settings();
  std::vector<uint64_t> storage((config.storage_bytes + 7) / 8);
  app::StreamPipeline pipeline;
  if (pipeline.init(settings, features_runner ? &features_runner->get() : nullptr,
                    &classifier_runner.get(), storage.data(),
                    storage.size() * sizeof(uint64_t)) != Status::kOk) {
    throw Error(classifier.label() + ": " + pipeline.error());
  }
  StreamReport report;
  std::string console;
  const uint32_t size = app::sample_bytes(settings);
  // The device's chunking: one stride of samples per sensor_read().
  for (uint32_t done = 0; done < samples.count;) {
    const uint32_t count = std::min(config.stride, samples.count - done);
    Event events[4];
    int num_events = 0;
    done += count;
    if (pipeline.push(samples.bytes.data() + static_cast<size_t>(done - count) * size, count,
                      clock_ms(done, config.sample_rate_hz), events, 4,
                      &num_events) != Status::kOk) {
      throw Error(classifier.label() + ": " + pipeline.error());
    }
    for (int i = 0; i < num_events; ++i) {
      const tf_event event = {events[i].time_ms, events[i].label,
                              config.labels[static_cast<size_t>(events[i].label)].c_str(),
                              events[i].score};
      char line[256];
      tf_format_event(line, sizeof(line), &event);
      console += line;
    }
  }
  report.events = parse_event_lines(console);
  report.strides = pipeline.strides();
  report.inferences = pipeline.inferences();
  fill_totals(&report, config, samples);
  return report;
}

StreamReport stream_on_board(const std::string& board_name, const fs::path& model,
                             const AppOptions& options, const AppConfig& config,
                             const StreamSamples& samples, double clock_mhz, int timeout_seconds) {
  const BoardInfo board = board_info(board_name);
  DeployOptions deploy;
  deploy.app = options;
  deploy.incremental = true;
  const fs::path dir = app_cache_dir(board.name, model, options, config);
  fs::create_directories(dir.parent_path());
  DeployReport image;
  {
    const FileLock lock(dir.string() + ".lock");  // one build per directory at a time
    image = deploy_model(model, board.name, dir, deploy);
  }
  const host::TempDir temp("tinyforge-stream-");
  const fs::path stream = temp.path() / "samples.bin";
  host::write_file(stream, samples.bytes.data(), samples.bytes.size());
  const QemuResult r = run_qemu(board, image.elf, stream.string(), timeout_seconds);
  const std::string where = model.string() + " on " + board.name;
  if (r.timed_out) {
    throw Error(where + ": QEMU timed out after " + std::to_string(timeout_seconds) +
                " s (--timeout)");
  }
  std::smatch match;
  if (std::regex_search(r.console, match, std::regex("TF_ERROR ([^\n]*)"))) {
    throw Error(where + ": " + match[1].str());
  }
  const std::regex result("TF_RESULT samples=([0-9]+) strides=([0-9]+) inferences=([0-9]+)");
  if (r.exit_code != 0 || !std::regex_search(r.console, match, result)) {
    throw Error(where + ": the firmware exited with status " + std::to_string(r.exit_code) + ": " +
                r.console.substr(r.console.size() > 2000 ? r.console.size() - 2000 : 0));
  }
  StreamReport report;
  report.board = board.name;
  report.events = parse_event_lines(r.console);
  report.strides = static_cast<uint32_t>(std::stoul(match[2].str()));
  report.inferences = static_cast<uint32_t>(std::stoul(match[3].str()));
  fill_totals(&report, config, samples);
  const uint32_t chunks = (samples.count + config.stride - 1) / config.stride;
  if (std::stoul(match[1].str()) != samples.count || r.instructions.size() != chunks) {
    throw Error(where + ": the firmware read " + match[1].str() + " of " +
                std::to_string(samples.count) + " samples in " +
                std::to_string(r.instructions.size()) + " counted chunks, expected " +
                std::to_string(chunks));
  }
  report.chunk_instructions = r.instructions;
  report.total_instructions =
      std::accumulate(r.instructions.begin(), r.instructions.end(), uint64_t{0});
  report.worst_window_instructions =
      *std::max_element(r.instructions.begin(), r.instructions.end());
  report.instructions_per_second = static_cast<double>(report.total_instructions) / report.seconds;
  report.clock_mhz = clock_mhz > 0 ? clock_mhz : board.clock_mhz;
  const double budget = report.clock_mhz * 1e6 * config.stride / config.sample_rate_hz;
  report.headroom_pct =
      100.0 * (1.0 - static_cast<double>(report.worst_window_instructions) / budget);
  return report;
}

}  // namespace tinyforge::deploy
