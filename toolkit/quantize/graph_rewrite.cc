#include "toolkit/quantize/graph_rewrite.h"

#include <numeric>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::quantize {

using graph::Graph;
using graph::Value;
using graph::ValueKind;

std::vector<int> use_counts(const Graph& g) {
  std::vector<int> uses(g.values().size(), 0);
  for (const graph::Node& n : g.nodes())
    for (int id : n.inputs) ++uses.at(id);
  for (int id : g.outputs()) ++uses.at(id);
  return uses;
}

std::vector<int> producers(const Graph& g) {
  std::vector<int> producer(g.values().size(), -1);
  for (size_t n = 0; n < g.nodes().size(); ++n)
    for (int id : g.nodes()[n].outputs) producer.at(id) = static_cast<int>(n);
  return producer;
}

Rewrite::Rewrite(const Graph& g) : drop(g.nodes().size(), 0), alias(g.values().size()) {
  std::iota(alias.begin(), alias.end(), 0);
}

int Rewrite::resolve(int id) const {
  for (size_t steps = 0; alias.at(id) != id; ++steps) {
    if (steps > alias.size()) throw host::Error("quantize: value aliases form a cycle");
    id = alias[id];
  }
  return id;
}

Graph rebuild(const Graph& g, const Rewrite& rewrite) {
  const auto& values = g.values();
  const auto& nodes = g.nodes();
  std::vector<char> read(values.size(), 0);
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (rewrite.drop[n]) continue;
    for (int id : nodes[n].inputs) read[rewrite.resolve(id)] = 1;
  }
  for (int id : g.outputs()) read[rewrite.resolve(id)] = 1;

  Graph out;
  std::vector<int> map(values.size(), -1);
  auto carry = [&](int old_id, int new_id) {
    Value& v = out.value(new_id);
    v.dtype = values[old_id].dtype;
    v.quantization = values[old_id].quantization;
    map[old_id] = new_id;
  };
  for (int id : g.inputs()) carry(id, out.add_input(values[id].name, values[id].shape));
  for (size_t id = 0; id < values.size(); ++id) {
    const Value& v = values[id];
    if (!read[id]) continue;
    switch (v.kind) {
      case ValueKind::kParameter:
      case ValueKind::kState:
        carry(id, out.add_parameter(v.name, v.data, v.kind == ValueKind::kParameter));
        break;
      case ValueKind::kConstant:
        carry(id, out.add_constant(v.name, v.data));
        break;
      default:
        break;
    }
  }
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (rewrite.drop[n]) continue;
    const graph::Node& node = nodes[n];
    std::vector<int> inputs;
    for (int id : node.inputs) {
      const int mapped = map[rewrite.resolve(id)];
      if (mapped < 0) {
        throw host::Error("quantize: node '" + node.name + "' reads '" + values[id].name +
                          "', which a pass removed");
      }
      inputs.push_back(mapped);
    }
    const int new_id = out.add_node(node.type, inputs, node.attrs, node.name);
    carry(node.outputs.at(0), new_id);
  }
  std::vector<int> outputs;
  for (int id : g.outputs()) {
    const int mapped = map[rewrite.resolve(id)];
    if (mapped < 0)
      throw host::Error("quantize: graph output '" + values[id].name + "' was removed by a pass");
    outputs.push_back(mapped);
  }
  out.set_outputs(outputs);
  return out;
}

}  // namespace tinyforge::quantize
