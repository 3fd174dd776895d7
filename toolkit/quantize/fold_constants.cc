// A node that reads only weights and constants computes the same tensor on every call; computing
// it once here (with the training kernel, in inference mode) leaves the device less work and the
// writer only plain constants.
#include <random>

#include "toolkit/quantize/graph_rewrite.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/train/op_kernel.h"

namespace tinyforge::quantize {
namespace {

bool is_fixed(graph::ValueKind kind) {
  return kind == graph::ValueKind::kParameter || kind == graph::ValueKind::kState ||
         kind == graph::ValueKind::kConstant;
}

}  // namespace

graph::Graph fold_constants(const graph::Graph& source) {
  graph::Graph g = source;
  Rewrite rewrite(g);
  std::mt19937_64 rng(0);  // no kernel draws at inference; the context wants one
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const graph::Node node = g.nodes()[n];
    bool constant = !node.inputs.empty();
    for (int id : node.inputs) constant = constant && is_fixed(g.value(id).kind);
    // FakeQuant keeps learning its range; it is QAT's to remove.
    if (!constant || node.type == graph::OpType::kFakeQuant) continue;
    std::vector<graph::Tensor> saved;
    graph::Tensor result;
    train::ForwardContext ctx{node, {}, {&result}, false, &rng, saved};
    for (int id : node.inputs) ctx.inputs.push_back(&g.value(id).data);
    train::op_kernel(node.type).forward(ctx);
    const int folded = g.add_constant(node.name + "/folded", std::move(result));
    rewrite.alias.push_back(folded);
    rewrite.drop[n] = 1;
    rewrite.alias[node.outputs.at(0)] = folded;
  }
  return rebuild(g, rewrite);
}

}  // namespace tinyforge::quantize
