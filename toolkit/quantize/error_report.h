// Per-layer quantization error: the quantized model is written with every activation as an extra
// output, run in tinyforge's runtime over the calibration samples, and each dequantized
// activation is compared with the float graph's value.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_ERROR_REPORT_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_ERROR_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/graph/graph.h"
#include "toolkit/quantize/calibration.h"

namespace tinyforge::quantize {

struct LayerError {
  std::string name;  // the node's output value
  std::string op;
  double rmse = 0.0;
  double max_abs_error = 0.0;
  double sqnr_db = 0.0;  // 10 log10(sum x^2 / sum (x - q)^2); +inf when exact
  float scale = 0.0f;    // the value's quantization step, to read errors in steps
};

struct ErrorReport {
  std::vector<LayerError> layers;  // in node order
  int64_t samples = 0;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

// `float_graph` and `quantized` must be the same graph before and after quantize_graph (same
// value ids). Runs the float graph with train::Executor and the written quantized model in the
// runtime on every batch.
ErrorReport quantization_error_report(graph::Graph& float_graph, const graph::Graph& quantized,
                                      const BatchProvider& batches);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_ERROR_REPORT_H_
