#include "toolkit/quantize/qat.h"

#include "toolkit/host/error.h"
#include "toolkit/quantize/graph_rewrite.h"

namespace tinyforge::quantize {

using graph::OpType;

namespace {

bool has_weights(OpType t) {
  return t == OpType::kFullyConnected || t == OpType::kConv2D || t == OpType::kDepthwiseConv2D;
}

// Outputs stored with the input's quantization without rounding anything new.
bool passes_grid_through(OpType t) {
  return t == OpType::kMaxPool2D || t == OpType::kReshape || t == OpType::kPad;
}

// Outputs that are rounded to the input's scale again (averages).
bool reuses_input_range(OpType t) { return t == OpType::kAveragePool2D || t == OpType::kMean; }

bool fixed_output(OpType t) {
  return t == OpType::kSoftmax || t == OpType::kLogistic || t == OpType::kTanh;
}

}  // namespace

graph::Graph insert_fake_quant(const graph::Graph& g, const QatOptions& options) {
  graph::Graph out;
  std::vector<int> map(g.values().size(), -1);
  std::vector<int> range_of(g.values().size(), -1);  // new value id -> its range state
  range_of.reserve(4 * g.values().size());
  auto initial = [&](int old_id) {
    graph::Tensor r(graph::Shape{2}, 0.0f);
    if (options.initial_ranges != nullptr) {
      auto it = options.initial_ranges->ranges.find(old_id);
      if (it != options.initial_ranges->ranges.end()) {
        r[0] = it->second.min;
        r[1] = it->second.max;
      }
    }
    return r;
  };
  // FakeQuant after value `id` (new ids) with a fresh moving range, or with `shared` frozen.
  auto fake_quant_activation = [&](int id, int old_id, int shared) {
    const std::string name = out.value(id).name;  // a copy: adding values reallocates
    graph::Attributes a;
    int range;
    if (shared >= 0) {
      range = shared;
      a.momentum = 1.0f;
    } else {
      range = out.add_parameter(name + "/fq_range", initial(old_id), false);
      a.momentum = options.ema_decay;
    }
    const int fq = out.add_node(OpType::kFakeQuant, {id, range}, a, name + "/fq");
    if (range_of.size() < out.values().size()) range_of.resize(out.values().size(), -1);
    range_of[fq] = range;
    return fq;
  };
  for (int id : g.inputs()) {
    const int in = out.add_input(g.value(id).name, g.value(id).shape);
    map[id] = fake_quant_activation(in, id, -1);
  }
  for (size_t id = 0; id < g.values().size(); ++id) {
    const graph::Value& v = g.values()[id];
    if (v.kind == graph::ValueKind::kParameter || v.kind == graph::ValueKind::kState)
      map[id] = out.add_parameter(v.name, v.data, v.kind == graph::ValueKind::kParameter);
    else if (v.kind == graph::ValueKind::kConstant)
      map[id] = out.add_constant(v.name, v.data);
  }
  for (const graph::Node& node : g.nodes()) {
    if (node.type == OpType::kBatchNorm || node.type == OpType::kDropout ||
        node.type == OpType::kFakeQuant) {
      throw host::Error("insert_fake_quant: node '" + node.name + "' (" +
                        graph::op_type_name(node.type) +
                        "): prepare the graph first (prepare_for_export) and insert once");
    }
    std::vector<int> inputs;
    for (int id : node.inputs) inputs.push_back(map.at(id));
    if (has_weights(node.type)) {
      graph::Attributes a;
      a.axis = node.type == OpType::kDepthwiseConv2D ? 3 : 0;
      inputs[1] = out.add_node(OpType::kFakeQuant, {inputs[1]}, a, node.name + "/weights_fq");
    }
    const int y = out.add_node(node.type, inputs, node.attrs, node.name);
    const int old_out = node.outputs.at(0);
    if (passes_grid_through(node.type) || fixed_output(node.type)) {
      map[old_out] = y;
    } else if (reuses_input_range(node.type)) {
      const int in = inputs[0];
      const int shared = in < static_cast<int>(range_of.size()) ? range_of[in] : -1;
      map[old_out] = fake_quant_activation(y, old_out, shared);
    } else {
      map[old_out] = fake_quant_activation(y, old_out, -1);
    }
    if (range_of.size() < out.values().size()) range_of.resize(out.values().size(), -1);
    // A max pool or reshape of a fake-quantized value is on the same grid with the same range.
    if (passes_grid_through(node.type) && inputs[0] < static_cast<int>(range_of.size()))
      range_of[y] = range_of[inputs[0]];
  }
  std::vector<int> outputs;
  for (int id : g.outputs()) outputs.push_back(map.at(id));
  out.set_outputs(outputs);
  return out;
}

graph::Graph convert_qat(const graph::Graph& qat) {
  Rewrite rewrite(qat);
  for (size_t n = 0; n < qat.nodes().size(); ++n) {
    const graph::Node& node = qat.nodes()[n];
    if (node.type != OpType::kFakeQuant) continue;
    rewrite.drop[n] = 1;
    rewrite.alias[node.outputs.at(0)] = node.inputs.at(0);
  }
  // Ranges are attached to the names of the values they measured, which survive the rebuild.
  std::vector<std::pair<std::string, Range>> named;
  for (const graph::Node& node : qat.nodes()) {
    if (node.type != OpType::kFakeQuant || node.inputs.size() != 2) continue;
    const graph::Tensor& r = qat.value(node.inputs[1]).data;
    named.emplace_back(qat.value(node.inputs[0]).name, Range{r[0], r[1]});
  }
  const graph::Graph plain = rebuild(qat, rewrite);
  Calibration ranges;
  for (const auto& [name, range] : named) {
    for (size_t id = 0; id < plain.values().size(); ++id) {
      if (plain.values()[id].name != name) continue;
      Range& r = ranges.ranges.try_emplace(static_cast<int>(id), range).first->second;
      r.min = std::min(r.min, range.min);
      r.max = std::max(r.max, range.max);
    }
  }
  QuantizeOptions options;
  options.scheme = Scheme::kInt8;
  return quantize_graph(plain, ranges, options);
}

}  // namespace tinyforge::quantize
