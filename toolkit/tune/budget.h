// A board's budgets for `tinyforge tune` (--max-arena, --max-flash, --max-model, --max-latency-ms)
// and the exact figures a model is checked against: the planner's device arena, the deployed
// image's flash (code for the model's kernels + the model), MACs, and instructions per inference
// under QEMU.
#ifndef TINYFORGE_TOOLKIT_TUNE_BUDGET_H_
#define TINYFORGE_TOOLKIT_TUNE_BUDGET_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::tune {

struct Budgets {
  std::optional<uint64_t> arena_bytes;
  std::optional<uint64_t> flash_bytes;
  std::optional<uint64_t> model_bytes;  // the .tflite alone
  std::optional<double> latency_ms;
  double clock_mhz = 0;  // turns instructions into milliseconds (one instruction per cycle)
};

struct Figures {
  uint64_t arena_bytes = 0;  // device arena with the board's kernels
  uint64_t flash_bytes = 0;  // code + model, as deploy measures them
  uint64_t model_bytes = 0;  // the .tflite
  int64_t macs = 0;
  int64_t params = 0;
  std::optional<uint64_t> instructions;  // per inference on the board, when measured

  std::optional<double> latency_ms(double clock_mhz) const;
  nlohmann::json to_json(double clock_mhz) const;
  static Figures from_json(const nlohmann::json& j);
};

// "64KB", "64 KiB", "1MB", "65536" (KB = 1024 bytes). Throws host::Error naming `flag`.
uint64_t parse_size(const std::string& text, const std::string& flag);

// Why `f` is over a budget ("arena 70312 > 65536 bytes"), or "" when it fits. Latency is judged
// only when the figures hold instructions.
std::string over_budget(const Figures& f, const Budgets& b);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_BUDGET_H_
