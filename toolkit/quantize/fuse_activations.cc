// TFLite's FC, convolutions and Add clamp their output themselves (fused_activation_function), so
// a separate ReLU/ReLU6 costs a tensor and a kernel call; fusing it also lets quantization give
// the op's output the clamped range directly.
#include "toolkit/quantize/graph_rewrite.h"
#include "toolkit/quantize/passes.h"

namespace tinyforge::quantize {
namespace {

bool carries_activation(graph::OpType type) {
  return type == graph::OpType::kFullyConnected || type == graph::OpType::kConv2D ||
         type == graph::OpType::kDepthwiseConv2D || type == graph::OpType::kAdd;
}

}  // namespace

graph::Graph fuse_activations(const graph::Graph& source) {
  graph::Graph g = source;
  const std::vector<int> uses = use_counts(g);
  const std::vector<int> producer = producers(g);
  Rewrite rewrite(g);
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const graph::Node& act = g.nodes()[n];
    if (act.type != graph::OpType::kRelu && act.type != graph::OpType::kRelu6) continue;
    const int x = act.inputs.at(0);
    const int p = producer[x];
    if (p < 0 || uses[x] != 1) continue;
    graph::Node& op = g.nodes()[p];
    if (!carries_activation(op.type) || op.attrs.activation != graph::Activation::kNone) continue;
    op.attrs.activation =
        act.type == graph::OpType::kRelu ? graph::Activation::kRelu : graph::Activation::kRelu6;
    rewrite.drop[n] = 1;
    rewrite.alias[act.outputs.at(0)] = x;
  }
  return rebuild(g, rewrite);
}

}  // namespace tinyforge::quantize
