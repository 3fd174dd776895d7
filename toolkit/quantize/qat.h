// Quantization-aware training: fake quantization in a float training graph (weights per channel,
// activations after each op that gets its own int8 scale), fine-tuned with the ordinary trainer
// from a float checkpoint, then converted to the int8 graph the writer takes, with the learned
// ranges.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_QAT_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_QAT_H_

#include "toolkit/graph/graph.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/ptq.h"

namespace tinyforge::quantize {

struct QatOptions {
  float ema_decay = 0.99f;  // moving min/max: range = decay * range + (1 - decay) * batch
  // Initial ranges (a calibration of the same graph); without it the first batch sets them.
  const Calibration* initial_ranges = nullptr;
};

// Returns the float graph with kFakeQuant nodes: after every graph input, on the weights of FC,
// Conv2D and DepthwiseConv2D (per channel), and after every op whose output gets its own int8
// quantization. AveragePool2D and Mean outputs reuse their input's range (frozen FakeQuant on the
// same range state), as the int8 kernels keep the input's scale; Softmax, Logistic and Tanh keep
// their fixed output quantization and get none. Expects a prepared graph (prepare_for_export:
// BatchNorm folded, activations fused), so the simulation sees what the device will run.
graph::Graph insert_fake_quant(const graph::Graph& prepared, const QatOptions& options = {});

// Removes every FakeQuant, then quantizes to int8 (quantize_graph) with the moving ranges as the
// calibration; weights get their per-channel scales from their (fine-tuned) values as in training.
graph::Graph convert_qat(const graph::Graph& qat);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_QAT_H_
