// Post-training quantization: turns a prepared float graph (passes.h) and its calibration into a
// quantized graph as toolkit/tflite writes it (the contract in toolkit/tflite/tflite.h): dtype and
// quantization set on every value, real float values kept in `data`.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_PTQ_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_PTQ_H_

#include <optional>
#include <string>

#include "toolkit/graph/graph.h"
#include "toolkit/quantize/calibration.h"

namespace tinyforge::quantize {

enum class Scheme {
  kInt8,     // int8 activations (per-tensor asymmetric), int8 weights, int32 bias
  kInt16x8,  // int16 activations (symmetric, zero point 0), int8 weights, int64 bias for FC/conv
};

// "int8", "int16x8"; throws host::Error naming the accepted spellings.
Scheme parse_scheme(const std::string& name);
const char* scheme_name(Scheme s);

struct QuantizeOptions {
  Scheme scheme = Scheme::kInt8;
  // The graph inputs' quantization instead of their calibrated one: a model behind a feature
  // graph takes the frames' int8 bytes as they are (toolkit/features/feature_graph.h).
  std::optional<QuantParams> input;
};

// Activations take their calibrated range, except where TFLite's kernels dictate:
//  - MaxPool2D, AveragePool2D, Reshape, Pad and Mean outputs share their input's quantization,
//    and all Concatenation inputs share the output's (a group gets the union of its ranges);
//  - Softmax and Logistic outputs are fixed at scale 1/256, zero point -128 (int8) and Tanh at
//    1/128, 0; all three at 1/32768, 0 for int16.
// Weights of FC and Conv2D are per-channel along axis 0, of DepthwiseConv2D along axis 3; bias
// scale[c] = input scale * weight scale[c]. Other constants are per-tensor like activations.
// Throws host::Error for BatchNorm, Dropout or FakeQuant (run prepare_for_export / convert_qat
// first) and for an activation without a range.
graph::Graph quantize_graph(const graph::Graph& g, const Calibration& calibration,
                            const QuantizeOptions& options = {});

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_PTQ_H_
