// Mixed precision: the int8 model with some layers in TFLite's 16x8 scheme (int16 activations,
// int8 weights, int64 bias), the layers whose quantization adds the most error, chosen greedily
// while the written model stays within an arena and a model-size budget. A chosen Conv2D,
// DepthwiseConv2D or FullyConnected runs in int16 and so do the ops after it up to the next int8
// layer (pooling, reshape, softmax, ... take their input's type); a QUANTIZE op (graph::OpType::
// kQuantize) converts where an int8 value meets an int16 reader and back, and an int16 model
// output is converted back to int8, so inputs and outputs stay those of the int8 model.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_MIXED_PRECISION_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_MIXED_PRECISION_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/graph/graph.h"
#include "toolkit/quantize/error_report.h"

namespace tinyforge::quantize {

// A float graph and its mixed quantized twin with the same values and QUANTIZE nodes (the
// identity in the float one), so error reports compare them as any quantized graph.
struct MixedGraphs {
  graph::Graph float_graph;
  graph::Graph quantized;
};

// `int8` and `int16x8`: quantize_graph of `float_graph` with the two schemes (same value ids).
// The nodes named in `int16_layers` (weighted layers) take the 16x8 graph's types and
// quantization, with their parameters; throws host::Error for a name that is no weighted layer.
MixedGraphs mix_precision(const graph::Graph& float_graph, const graph::Graph& int8,
                          const graph::Graph& int16x8, const std::set<std::string>& int16_layers);

// A tensor gains from int16 only where both its producer and its reader run in int16 (an int8
// reader gets it requantized to int8), so a candidate is a weighted layer together with the
// weighted layers reading its output (directly or through other ops): switching them makes that
// output an int16 tensor end to end. Its worth is how much the model outputs' noise-to-signal
// power ratio (float graph vs runtime, 10^(-SQNR/10), summed over outputs) drops with it alone.
struct Candidate {
  std::string name;  // the producing layer
  std::string op;
  std::set<std::string> layers;  // it and its readers
  double noise_reduction = 0;
};
// Candidates of `int8`, the largest reduction first, measured on `batches` (one error report of
// the mixed model per candidate).
std::vector<Candidate> rank_candidates(graph::Graph& float_graph, const graph::Graph& int8,
                                       const graph::Graph& int16x8, const BatchProvider& batches);

struct Footprint {
  uint64_t arena_bytes = 0;
  uint64_t model_bytes = 0;
};

struct MixedPrecisionBudget {
  uint64_t max_arena_bytes = 0;  // 0: no limit
  uint64_t max_model_bytes = 0;  // 0: no limit
  int max_layers = -1;           // int16 weighted layers at most (< 0: no limit)
};

struct LayerChoice {
  Candidate candidate;
  bool int16 = false;
  std::string reason;   // "chosen", "over the arena budget", "over the model budget", "layer limit"
  Footprint footprint;  // of the model with this layer tried (and the earlier choices)
};

struct MixedPrecisionPlan {
  std::set<std::string> int16_layers;
  std::vector<LayerChoice> choices;  // in rank order
  Footprint footprint;               // of the chosen mix (the int8 model's when none)
};

// Greedy: in rank order, a candidate's layers go to int16 when the model with them (and the
// earlier choices) stays within the budget, measured by `measure` (write and plan the model).
MixedPrecisionPlan choose_mixed_precision(
    const std::vector<Candidate>& ranked, const MixedPrecisionBudget& budget,
    const std::function<Footprint(const std::set<std::string>&)>& measure);

nlohmann::json mixed_precision_json(const MixedPrecisionPlan& plan);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_MIXED_PRECISION_H_
