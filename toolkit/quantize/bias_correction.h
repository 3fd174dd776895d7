// Empirical bias correction (Nagel et al., "Data-Free Quantization", section 4.2, measured on
// calibration data instead of derived from BatchNorm statistics): rounding weights to int8 shifts
// a layer's outputs by a mean error per channel; the quantized model, run in tinyforge's runtime,
// is compared with the float graph layer by layer in execution order, and each Conv2D,
// DepthwiseConv2D and FullyConnected bias absorbs its channels' mean error (later layers see the
// earlier corrections). Only real bias values change; quantization parameters stay as calibrated,
// so the written file is an ordinary int8 model.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_BIAS_CORRECTION_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_BIAS_CORRECTION_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "toolkit/graph/graph.h"
#include "toolkit/quantize/calibration.h"

namespace tinyforge::quantize {

struct BiasCorrection {
  std::string name;  // the layer's output value
  std::string op;
  int channels = 0;
  double mean_shift_steps = 0;  // mean |correction| over channels, in output quantization steps
  double max_shift_steps = 0;
};

// `float_graph` and `quantized` are the same graph before and after quantize_graph (same value
// ids); `quantized`'s biases are corrected in place. Returns one entry per corrected layer.
std::vector<BiasCorrection> correct_biases(graph::Graph& float_graph, graph::Graph& quantized,
                                           const BatchProvider& batches);

nlohmann::json bias_corrections_json(const std::vector<BiasCorrection>& corrections);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_BIAS_CORRECTION_H_
