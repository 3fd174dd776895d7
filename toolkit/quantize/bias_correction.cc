#include "toolkit/quantize/bias_correction.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/train/executor.h"

namespace tinyforge::quantize {
namespace {

bool has_bias(const graph::Node& n) {
  const bool weighted = n.type == graph::OpType::kConv2D ||
                        n.type == graph::OpType::kDepthwiseConv2D ||
                        n.type == graph::OpType::kFullyConnected;
  return weighted && n.inputs.size() >= 3 && n.inputs[2] >= 0;
}

// The mean of (quantized - float) per channel (last axis) of value `id` over every batch.
std::vector<double> mean_error(graph::Graph& float_graph, const graph::Graph& quantized, int id,
                               const BatchProvider& batches) {
  ExposedValue exposed = expose_value(quantized, id, "bias correction");
  train::Executor executor(float_graph);
  std::mt19937_64 rng(0);
  const int64_t channels = quantized.value(id).shape.back();
  std::vector<double> sum(static_cast<size_t>(channels), 0.0);
  int64_t rows = 0;
  for (int b = 0; b < batches.count; ++b) {
    const std::vector<graph::Tensor> inputs = batches.batch(b);
    executor.forward(inputs, false, rng);
    const graph::Tensor& want = executor.activation(id);
    const graph::Tensor got = exposed.runner->run(inputs).at(static_cast<size_t>(exposed.output));
    if (got.size() != want.size())
      throw host::Error("bias correction: '" + quantized.value(id).name + "' differs in size");
    for (int64_t k = 0; k < want.size(); ++k)
      sum[static_cast<size_t>(k % channels)] += static_cast<double>(got[k]) - want[k];
    rows += want.size() / channels;
  }
  for (double& s : sum) s /= static_cast<double>(std::max<int64_t>(rows, 1));
  return sum;
}

}  // namespace

std::vector<BiasCorrection> correct_biases(graph::Graph& float_graph, graph::Graph& quantized,
                                           const BatchProvider& batches) {
  if (float_graph.values().size() != quantized.values().size())
    throw host::Error("bias correction: the float and quantized graphs differ");
  std::vector<BiasCorrection> report;
  for (size_t n = 0; n < quantized.nodes().size(); ++n) {
    const graph::Node node = quantized.nodes()[n];
    if (!has_bias(node)) continue;
    const int out = node.outputs.at(0);
    const std::vector<double> error = mean_error(float_graph, quantized, out, batches);
    graph::Value& bias = quantized.value(node.inputs[2]);
    if (bias.data.size() != static_cast<int64_t>(error.size())) continue;  // a shared bias
    const auto& scales = quantized.value(out).quantization.scales;
    const double step = scales.empty() ? 1.0 : scales[0];
    BiasCorrection c{quantized.value(out).name, graph::op_type_name(node.type),
                     static_cast<int>(error.size())};
    for (size_t k = 0; k < error.size(); ++k) {
      bias.data.data()[k] -= static_cast<float>(error[k]);
      c.mean_shift_steps += std::fabs(error[k]) / step / static_cast<double>(error.size());
      c.max_shift_steps = std::max(c.max_shift_steps, std::fabs(error[k]) / step);
    }
    report.push_back(c);
  }
  return report;
}

nlohmann::json bias_corrections_json(const std::vector<BiasCorrection>& corrections) {
  nlohmann::json j = nlohmann::json::array();
  for (const BiasCorrection& c : corrections) {
    j.push_back({{"name", c.name},
                 {"op", c.op},
                 {"channels", c.channels},
                 {"mean_shift_steps", c.mean_shift_steps},
                 {"max_shift_steps", c.max_shift_steps}});
  }
  return j;
}

}  // namespace tinyforge::quantize
