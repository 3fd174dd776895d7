#include "toolkit/quantize/error_report.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/executor.h"

namespace tinyforge::quantize {

ErrorReport quantization_error_report(graph::Graph& float_graph, const graph::Graph& quantized,
                                      const BatchProvider& batches) {
  if (float_graph.values().size() != quantized.values().size()) {
    throw host::Error("error report: the float and quantized graphs differ (" +
                      std::to_string(float_graph.values().size()) + " vs " +
                      std::to_string(quantized.values().size()) + " values)");
  }
  // Every node output that is not already a model output becomes an extra output.
  std::vector<int> layers;
  tflite::WriteOptions options;
  for (const graph::Node& n : quantized.nodes()) {
    const int id = n.outputs.at(0);
    layers.push_back(id);
    bool is_output = false;
    for (int o : quantized.outputs()) is_output = is_output || o == id;
    if (!is_output) options.extra_outputs.push_back(id);
  }
  // Model outputs come first, then the extras in the order given.
  std::vector<int> order(quantized.outputs().begin(), quantized.outputs().end());
  order.insert(order.end(), options.extra_outputs.begin(), options.extra_outputs.end());
  RuntimeRunner runner(tflite::write_tflite(quantized, options), "error report");
  if (runner.num_outputs() != static_cast<int>(order.size())) {
    throw host::Error("error report: the written model has " +
                      std::to_string(runner.num_outputs()) + " outputs, expected " +
                      std::to_string(order.size()));
  }
  train::Executor executor(float_graph);
  std::mt19937_64 rng(0);
  std::vector<double> signal(order.size(), 0.0), noise(order.size(), 0.0), worst(order.size(), 0.0);
  std::vector<int64_t> count(order.size(), 0);
  ErrorReport report;
  for (int b = 0; b < batches.count; ++b) {
    const std::vector<graph::Tensor> inputs = batches.batch(b);
    if (!inputs.empty()) report.samples += inputs[0].dim(0);
    executor.forward(inputs, false, rng);
    const std::vector<graph::Tensor> got = runner.run(inputs);
    for (size_t i = 0; i < order.size(); ++i) {
      const graph::Tensor& want = executor.activation(order[i]);
      if (want.size() != got[i].size()) {
        throw host::Error("error report: '" + quantized.value(order[i]).name + "' has " +
                          std::to_string(got[i].size()) + " elements in the model, " +
                          std::to_string(want.size()) + " in the float graph");
      }
      for (int64_t k = 0; k < want.size(); ++k) {
        const double d = static_cast<double>(got[i][k]) - want[k];
        signal[i] += static_cast<double>(want[k]) * want[k];
        noise[i] += d * d;
        worst[i] = std::max(worst[i], std::fabs(d));
      }
      count[i] += want.size();
    }
  }
  for (int id : layers) {
    size_t i = 0;
    while (order[i] != id) ++i;
    LayerError e;
    e.name = quantized.value(id).name;
    for (const graph::Node& n : quantized.nodes())
      if (n.outputs.at(0) == id) e.op = graph::op_type_name(n.type);
    e.rmse = count[i] > 0 ? std::sqrt(noise[i] / static_cast<double>(count[i])) : 0.0;
    e.max_abs_error = worst[i];
    e.sqnr_db = noise[i] > 0.0 ? 10.0 * std::log10(signal[i] / noise[i])
                               : std::numeric_limits<double>::infinity();
    const auto& scales = quantized.value(id).quantization.scales;
    e.scale = scales.empty() ? 0.0f : scales[0];
    report.layers.push_back(e);
  }
  return report;
}

nlohmann::json ErrorReport::to_json() const {
  nlohmann::json j;
  j["samples"] = samples;
  j["layers"] = nlohmann::json::array();
  for (const LayerError& e : layers) {
    // JSON has no infinity: an exact layer reports null SQNR.
    nlohmann::json sqnr = std::isfinite(e.sqnr_db) ? nlohmann::json(e.sqnr_db) : nlohmann::json();
    j["layers"].push_back({{"name", e.name},
                           {"op", e.op},
                           {"rmse", e.rmse},
                           {"max_abs_error", e.max_abs_error},
                           {"sqnr_db", sqnr},
                           {"scale", e.scale}});
  }
  return j;
}

std::string ErrorReport::to_text() const {
  std::string text = "quantization error per layer (" + std::to_string(samples) + " samples)\n";
  char line[256];
  std::snprintf(line, sizeof(line), "%-32s %-16s %12s %12s %10s %8s\n", "layer", "op", "rmse",
                "max abs", "SQNR dB", "steps");
  text += line;
  for (const LayerError& e : layers) {
    std::snprintf(line, sizeof(line), "%-32s %-16s %12.6g %12.6g %10.2f %8.2f\n", e.name.c_str(),
                  e.op.c_str(), e.rmse, e.max_abs_error, e.sqnr_db,
                  e.scale > 0.0f ? e.max_abs_error / e.scale : 0.0);
    text += line;
  }
  return text;
}

}  // namespace tinyforge::quantize
