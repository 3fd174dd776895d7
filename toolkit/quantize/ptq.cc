#include "toolkit/quantize/ptq.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "toolkit/host/error.h"

namespace tinyforge::quantize {

using graph::OpType;
using graph::Quantization;
using graph::ValueKind;

Scheme parse_scheme(const std::string& name) {
  if (name == "int8") return Scheme::kInt8;
  if (name == "int16x8") return Scheme::kInt16x8;
  throw host::Error("quantization scheme '" + name + "': expected int8 or int16x8");
}

const char* scheme_name(Scheme s) { return s == Scheme::kInt8 ? "int8" : "int16x8"; }

namespace {

// Union-find over value ids: values that must be stored with one scale and zero point.
class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int find(int v) {
    while (parent_[v] != v) v = parent_[v] = parent_[parent_[v]];
    return v;
  }
  void join(int a, int b) { parent_[find(a)] = find(b); }

 private:
  std::vector<int> parent_;
};

bool shares_input_quantization(OpType t) {
  return t == OpType::kMaxPool2D || t == OpType::kAveragePool2D || t == OpType::kReshape ||
         t == OpType::kPad || t == OpType::kMean;
}

bool has_weights(OpType t) {
  return t == OpType::kFullyConnected || t == OpType::kConv2D || t == OpType::kDepthwiseConv2D;
}

// TFLite's fixed output quantization of the saturating functions.
std::optional<QuantParams> fixed_output(OpType t, DataType act) {
  if (act == DataType::kInt16) {
    if (t == OpType::kSoftmax || t == OpType::kLogistic || t == OpType::kTanh)
      return QuantParams{1.0f / 32768.0f, 0};
    return std::nullopt;
  }
  if (t == OpType::kSoftmax || t == OpType::kLogistic) return QuantParams{1.0f / 256.0f, -128};
  if (t == OpType::kTanh) return QuantParams{1.0f / 128.0f, 0};
  return std::nullopt;
}

Range data_range(const graph::Tensor& t) {
  Range r;
  for (int64_t i = 0; i < t.size(); ++i) {
    r.min = std::min(r.min, t[i]);
    r.max = std::max(r.max, t[i]);
  }
  return r;  // starts at [0, 0], so it includes 0
}

Quantization per_tensor(QuantParams p) {
  Quantization q;
  q.scales = {p.scale};
  q.zero_points = {p.zero_point};
  return q;
}

}  // namespace

graph::Graph quantize_graph(const graph::Graph& source, const Calibration& calibration,
                            const QuantizeOptions& options) {
  graph::Graph g = source;
  const DataType act = options.scheme == Scheme::kInt8 ? DataType::kInt8 : DataType::kInt16;
  auto params_for = [act](Range r) {
    return act == DataType::kInt8 ? asymmetric_params(r, act) : symmetric_params(r, act);
  };
  const size_t count = g.values().size();
  for (const graph::Node& n : g.nodes()) {
    if (n.type == OpType::kBatchNorm || n.type == OpType::kDropout) {
      throw host::Error("quantize: node '" + n.name + "' (" + graph::op_type_name(n.type) +
                        ") must be removed before quantization (run prepare_for_export)");
    }
    if (n.type == OpType::kFakeQuant) {
      throw host::Error("quantize: node '" + n.name +
                        "' is a FakeQuant; convert a QAT graph with convert_qat");
    }
  }

  // Which values are weights (per channel) or biases, and which operand of which node.
  std::vector<int> weight_axis(count, -1);
  std::vector<int> bias_of(count, -1);  // node index whose bias this value is
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const graph::Node& node = g.nodes()[n];
    if (!has_weights(node.type)) continue;
    weight_axis[node.inputs.at(1)] = node.type == OpType::kDepthwiseConv2D ? 3 : 0;
    if (node.inputs.size() == 3) bias_of[node.inputs[2]] = static_cast<int>(n);
  }

  // Groups of activations (and constants read like activations) sharing one quantization.
  Groups groups(count);
  std::vector<std::optional<QuantParams>> fixed(count);
  for (const graph::Node& node : g.nodes()) {
    const int out = node.outputs.at(0);
    if (shares_input_quantization(node.type)) groups.join(node.inputs.at(0), out);
    if (node.type == OpType::kConcatenation)
      for (int id : node.inputs) groups.join(id, out);
    fixed[out] = fixed_output(node.type, act);
  }
  if (options.input)
    for (int id : g.inputs()) fixed[id] = options.input;
  std::vector<std::optional<Range>> group_range(count);
  std::vector<std::optional<QuantParams>> group_fixed(count);
  std::vector<int> fixed_member(count, -1);
  auto is_activation_like = [&](int id) { return weight_axis[id] < 0 && bias_of[id] < 0; };
  for (size_t id = 0; id < count; ++id) {
    const graph::Value& v = g.values()[id];
    if (!is_activation_like(static_cast<int>(id))) continue;
    const int root = groups.find(static_cast<int>(id));
    std::optional<Range> r;
    if (v.kind == ValueKind::kActivation || v.kind == ValueKind::kInput) {
      auto it = calibration.ranges.find(static_cast<int>(id));
      if (it != calibration.ranges.end()) r = it->second;
    } else {
      r = data_range(v.data);
    }
    if (r) {
      Range& gr = group_range[root] ? *group_range[root] : group_range[root].emplace(*r);
      gr.min = std::min(gr.min, r->min);
      gr.max = std::max(gr.max, r->max);
    }
    if (fixed[id]) {
      if (group_fixed[root] && (group_fixed[root]->scale != fixed[id]->scale ||
                                group_fixed[root]->zero_point != fixed[id]->zero_point)) {
        throw host::Error("quantize: '" + v.name + "' and '" + g.value(fixed_member[root]).name +
                          "' must share one quantization but have different fixed ones");
      }
      group_fixed[root] = fixed[id];
      fixed_member[root] = static_cast<int>(id);
    }
  }

  auto& values = g.values();
  for (size_t id = 0; id < count; ++id) {
    graph::Value& v = values[id];
    if (weight_axis[id] >= 0) {
      v.dtype = DataType::kInt8;
      v.quantization = per_channel_weight_quantization(v.data, weight_axis[id]);
      continue;
    }
    if (bias_of[id] >= 0) continue;  // needs the input's scale: below
    const int root = groups.find(static_cast<int>(id));
    QuantParams p;
    if (group_fixed[root]) {
      p = *group_fixed[root];
    } else if (group_range[root]) {
      p = params_for(*group_range[root]);
    } else {
      throw host::Error("quantize: value '" + v.name +
                        "' has no calibration range (calibrate the same graph you quantize)");
    }
    v.dtype = act;
    v.quantization = per_tensor(p);
  }
  for (size_t id = 0; id < count; ++id) {
    if (bias_of[id] < 0) continue;
    const graph::Node& node = g.nodes()[bias_of[id]];
    const Quantization& in = values[node.inputs[0]].quantization;
    const Quantization& w = values[node.inputs[1]].quantization;
    graph::Value& b = values[id];
    // 16x8 accumulates in 64 bits; TFLite's int16 FC, conv and depthwise kernels take int64 bias.
    b.dtype = act == DataType::kInt16 ? DataType::kInt64 : DataType::kInt32;
    b.quantization.axis = 0;
    b.quantization.scales.resize(w.scales.size());
    b.quantization.zero_points.assign(w.scales.size(), 0);
    for (size_t c = 0; c < w.scales.size(); ++c)
      b.quantization.scales[c] = in.scales.at(0) * w.scales[c];
  }
  return g;
}

}  // namespace tinyforge::quantize
