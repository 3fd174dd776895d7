// What `tinyforge inspect` shows: operators with MACs, tensors with quantization, parameter count,
// the memory plan and the model's tinyforge metadata, as text or as the JSON of DESIGN.md's
// command-line contract. A model this build cannot run is still described whole: every operator
// and tensor it cannot run is marked with the reason.
#ifndef TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_
#define TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/arena_figures.h"

namespace tinyforge::host {

struct OperatorReport {
  int index;
  std::string name;
  int version;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::optional<int64_t> macs;  // unknown for an operator this build cannot run
  std::string cannot_run;       // why this build cannot run it; empty if it can
};

struct TensorReport {
  int index;
  std::string name;
  std::string dtype;
  std::vector<int32_t> shape;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  bool constant;
  bool variable;
  std::optional<size_t> bytes;  // unknown for a dtype this build cannot hold
  std::string cannot_run;       // why this build cannot hold it; empty if it can
};

struct ModelReport {
  std::vector<OperatorReport> operators;
  std::vector<TensorReport> tensors;
  std::vector<int> inputs;
  std::vector<int> outputs;
  int64_t params = 0;
  int64_t macs = 0;               // of the operators whose MACs are known
  ArenaUsage arena;               // the host interpreter's (run, eval, convert on this machine)
  DeviceArena device_arena;       // a 32-bit device's with the chosen kernels
  std::vector<int> live_at_peak;  // tensors live at the live-set peak operator
  std::string cannot_run;         // why the runtime cannot run the model; empty if it can
  std::optional<std::string> metadata;  // the tinyforge metadata's text (JSON), if present
  std::string metadata_error;           // why the metadata could not be read
};

// Multiply-accumulates of one operator (0 for data movement, or when an operand it reads is
// missing). Reads only operands the operator has; meaningful for operators check_operator passes.
int64_t operator_macs(const Model& model, int op_index);
// `device_kernels` and `board`: what device_arena is planned for (a board's kernels, or the
// reference kernels for no board). Works on any model the verifier accepted at
// Verification::kStructure (ModelFile with allow_unrunnable).
ModelReport make_report(const ModelFile& file, KernelSet device_kernels = KernelSet::kReference,
                        const std::string& board = "");
nlohmann::json report_json(const ModelReport& report);
std::string report_text(const ModelReport& report);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_
