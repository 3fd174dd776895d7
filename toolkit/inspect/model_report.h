// What `tinyforge inspect` shows: operators with MACs, tensors with quantization, parameter count
// and the memory plan, as text or as the JSON of DESIGN.md's command-line contract.
#ifndef TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_
#define TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

namespace tinyforge::host {

struct OperatorReport {
  int index;
  std::string name;
  int version;
  std::vector<int> inputs;
  std::vector<int> outputs;
  int64_t macs;
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
  size_t bytes;
};

struct ModelReport {
  std::vector<OperatorReport> operators;
  std::vector<TensorReport> tensors;
  std::vector<int> inputs;
  std::vector<int> outputs;
  int64_t params = 0;
  int64_t macs = 0;
  ArenaUsage arena;         // on this machine, with the kernels run/eval use
  ArenaUsage device_arena;  // on a 32-bit target running `device_kernels`
  KernelSet device_kernels = KernelSet::kReference;
  std::string device_name;        // the board named for device_arena, if any
  std::vector<int> live_at_peak;  // tensors live at the live-set peak operator
  std::string cannot_run;         // why the runtime cannot run the model; empty if it can
};

// Multiply-accumulates of one operator (0 for data movement).
int64_t operator_macs(const Model& model, int op_index);
// `device_kernels`: the kernel set device_arena is planned for (a board's, or the reference).
ModelReport make_report(const Model& model, KernelSet device_kernels = KernelSet::kReference);
nlohmann::json report_json(const ModelReport& report);
std::string report_text(const ModelReport& report);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_INSPECT_MODEL_REPORT_H_
