// `tinyforge stream`: plays a recording to a stream application, on the host (the application
// core compiled for this machine) or on an emulated board (the firmware `deploy --app` builds, in
// QEMU, with the recording as its sensor), and reports the events and, on a board, the
// instructions it took against the real-time budget.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_STREAM_RUNNER_H_
#define TINYFORGE_TOOLKIT_DEPLOY_STREAM_RUNNER_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "toolkit/deploy/app_config.h"
#include "toolkit/deploy/stream_input.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::deploy {

struct StreamEvent {
  uint32_t time_ms = 0;
  std::string label;
  double score = 0;  // the averaged score as the ACT line gives it (three decimals)
  bool operator==(const StreamEvent&) const = default;
};

struct StreamReport {
  std::string board;  // empty on the host
  std::vector<StreamEvent> events;
  uint32_t samples = 0;
  double seconds = 0;  // of recording
  uint32_t strides = 0;
  uint32_t inferences = 0;
  // On a board: the instructions of each chunk (one stride of samples: the feature model and,
  // every K strides, the classifier and postprocessing), their sum, the most one took, and the
  // share of a stride's time that leaves spare at clock_mhz (one instruction per cycle).
  std::vector<uint64_t> chunk_instructions;
  uint64_t total_instructions = 0;
  uint64_t worst_window_instructions = 0;
  double instructions_per_second = 0;
  double clock_mhz = 0;
  double headroom_pct = 0;
};

// The ACT lines of the events (app_hal.h's tf_format_event), parsed back; the host and the device
// print and read them the same way.
std::vector<StreamEvent> parse_event_lines(const std::string& console);

StreamReport stream_on_host(const host::ModelFile& classifier, const host::ModelFile* features,
                            const AppConfig& config, const StreamSamples& samples);

// Deploys (into the firmware cache, rebuilt only when something changed) and runs in QEMU.
// `clock_mhz` 0: the board's clock.
StreamReport stream_on_board(const std::string& board, const std::filesystem::path& model,
                             const AppOptions& options, const AppConfig& config,
                             const StreamSamples& samples, double clock_mhz, int timeout_seconds);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_STREAM_RUNNER_H_
