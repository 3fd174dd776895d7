// Helpers the passes share: who consumes a value, and rebuilding a graph without some nodes.
// Passes mark what to drop and which value stands for which, then rebuild once, so value ids
// stay dense and unused weights (a folded BatchNorm's statistics) disappear with their nodes.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_GRAPH_REWRITE_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_GRAPH_REWRITE_H_

#include <vector>

#include "toolkit/graph/graph.h"

namespace tinyforge::quantize {

// Per value id: how many node inputs read it, plus one for each graph output slot it fills.
std::vector<int> use_counts(const graph::Graph& g);
// Per value id: index of the node producing it, or -1 (inputs, weights, constants).
std::vector<int> producers(const graph::Graph& g);

struct Rewrite {
  explicit Rewrite(const graph::Graph& g);
  std::vector<char> drop;  // per node: leave it out
  std::vector<int> alias;  // per value: the value that replaces it (itself when unchanged)
  // Follows alias chains (a dropped node's output may alias another dropped node's output).
  int resolve(int id) const;
};

// A new graph with the kept nodes in order, inputs read through the aliases, and only the
// parameters, state and constants still read. Graph inputs all stay (callers feed them). dtype and
// quantization are carried over; activation shapes are inferred again.
graph::Graph rebuild(const graph::Graph& g, const Rewrite& rewrite);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_GRAPH_REWRITE_H_
