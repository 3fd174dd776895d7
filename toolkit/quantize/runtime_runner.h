// Runs a written .tflite image in tinyforge's own runtime on float batches: quantizes the inputs
// with each input tensor's scale and zero point, runs sample by sample (the file's batch is 1),
// and returns every output dequantized. This is how the host sees what a device computes.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_RUNTIME_RUNNER_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_RUNTIME_RUNNER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "toolkit/graph/graph.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::host {
class ModelFile;
class HostInterpreter;
}  // namespace tinyforge::host

namespace tinyforge::quantize {

class RuntimeRunner {
 public:
  // `label` names the model in errors.
  RuntimeRunner(const std::vector<uint8_t>& tflite, std::string label);
  ~RuntimeRunner();

  // One tensor per model input, batch first; returns one tensor per model output with the same
  // batch. float32 tensors pass as they are; int8/int16/int32 are (de)quantized.
  std::vector<graph::Tensor> run(const std::vector<graph::Tensor>& inputs);
  // The raw integers of output `i` from the last sample run (for bit-level comparisons).
  std::vector<int64_t> last_raw_output(int i) const;
  int num_outputs() const;

 private:
  std::unique_ptr<host::ModelFile> file_;
  std::unique_ptr<host::HostInterpreter> interpreter_;
};

// A quantized graph written with value `id` among its outputs (added as an extra output unless it
// already is one), and where that output is: per-layer passes read one layer's activations.
struct ExposedValue {
  std::unique_ptr<RuntimeRunner> runner;
  int output = 0;
};
ExposedValue expose_value(const graph::Graph& quantized, int id, std::string label);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_RUNTIME_RUNNER_H_
