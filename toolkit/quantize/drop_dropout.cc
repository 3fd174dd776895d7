// Dropout is training-only: at inference it passes its input through, so its output is replaced
// by its input everywhere.
#include "toolkit/quantize/graph_rewrite.h"
#include "toolkit/quantize/passes.h"

namespace tinyforge::quantize {

graph::Graph drop_dropout(const graph::Graph& g) {
  Rewrite rewrite(g);
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const graph::Node& node = g.nodes()[n];
    if (node.type != graph::OpType::kDropout) continue;
    rewrite.drop[n] = 1;
    rewrite.alias[node.outputs.at(0)] = node.inputs.at(0);
  }
  return rebuild(g, rewrite);
}

}  // namespace tinyforge::quantize
