// BatchNorm at inference is y = (x - mean) * gamma / sqrt(var + eps) + beta per channel: an affine
// map that the preceding linear op absorbs exactly, so the device never runs it.
#include <cmath>
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/quantize/graph_rewrite.h"
#include "toolkit/quantize/passes.h"

namespace tinyforge::quantize {
namespace {

using graph::OpType;
using graph::Tensor;

// Axis of the output channel in each op's weights (TFLite layouts, graph.h).
int channel_axis(OpType type) { return type == OpType::kDepthwiseConv2D ? 3 : 0; }

bool foldable(OpType type) {
  return type == OpType::kFullyConnected || type == OpType::kConv2D ||
         type == OpType::kDepthwiseConv2D;
}

// scale[c] = gamma / sqrt(var + eps), shift[c] = beta - mean * scale[c], so y = x * scale + shift.
void affine(const graph::Graph& g, const graph::Node& bn, std::vector<float>& scale,
            std::vector<float>& shift) {
  const Tensor& gamma = g.value(bn.inputs[1]).data;
  const Tensor& beta = g.value(bn.inputs[2]).data;
  const Tensor& mean = g.value(bn.inputs[3]).data;
  const Tensor& var = g.value(bn.inputs[4]).data;
  const int64_t channels = gamma.size();
  if (beta.size() != channels || mean.size() != channels || var.size() != channels) {
    throw host::Error("fold_batch_norm: node '" + bn.name +
                      "': gamma, beta, moving_mean and moving_variance must hold " +
                      std::to_string(channels) + " values each");
  }
  scale.resize(channels);
  shift.resize(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const double s = static_cast<double>(gamma[c]) /
                     std::sqrt(static_cast<double>(var[c]) + static_cast<double>(bn.attrs.epsilon));
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>(static_cast<double>(beta[c]) - static_cast<double>(mean[c]) * s);
  }
}

// A BatchNorm with nothing to fold into becomes x * scale + shift with per-channel constants
// (broadcast along the last axis). Node by node, since a node is inserted mid-graph.
graph::Graph batch_norm_to_mul_add(const graph::Graph& g) {
  std::vector<char> read(g.values().size(), 0);
  for (const graph::Node& node : g.nodes()) {
    if (node.type == OpType::kBatchNorm) {
      read[node.inputs[0]] = 1;
    } else {
      for (int id : node.inputs) read[id] = 1;
    }
  }
  graph::Graph out;
  std::vector<int> map(g.values().size(), -1);
  auto carry = [&](int old_id, int new_id) {
    out.value(new_id).dtype = g.value(old_id).dtype;
    out.value(new_id).quantization = g.value(old_id).quantization;
    map[old_id] = new_id;
  };
  for (int id : g.inputs()) carry(id, out.add_input(g.value(id).name, g.value(id).shape));
  for (size_t id = 0; id < g.values().size(); ++id) {
    const graph::Value& v = g.values()[id];
    if (!read[id]) continue;
    if (v.kind == graph::ValueKind::kParameter || v.kind == graph::ValueKind::kState)
      carry(id, out.add_parameter(v.name, v.data, v.kind == graph::ValueKind::kParameter));
    else if (v.kind == graph::ValueKind::kConstant)
      carry(id, out.add_constant(v.name, v.data));
  }
  for (const graph::Node& node : g.nodes()) {
    if (node.type != OpType::kBatchNorm) {
      std::vector<int> inputs;
      for (int id : node.inputs) inputs.push_back(map.at(id));
      carry(node.outputs[0], out.add_node(node.type, inputs, node.attrs, node.name));
      continue;
    }
    std::vector<float> scale, shift;
    affine(g, node, scale, shift);
    const graph::Shape channels{static_cast<int64_t>(scale.size())};
    const int s = out.add_constant(node.name + "/scale", Tensor(channels, scale));
    const int t = out.add_constant(node.name + "/shift", Tensor(channels, shift));
    const int scaled =
        out.add_node(OpType::kMul, {map.at(node.inputs[0]), s}, {}, node.name + "/mul");
    carry(node.outputs[0], out.add_node(OpType::kAdd, {scaled, t}, {}, node.name));
  }
  std::vector<int> outputs;
  for (int id : g.outputs()) outputs.push_back(map.at(id));
  out.set_outputs(outputs);
  return out;
}

}  // namespace

graph::Graph fold_batch_norm(const graph::Graph& source) {
  graph::Graph g = source;
  const std::vector<int> uses = use_counts(g);
  const std::vector<int> producer = producers(g);
  Rewrite rewrite(g);
  const size_t node_count = g.nodes().size();
  for (size_t n = 0; n < node_count; ++n) {
    const graph::Node bn = g.nodes()[n];
    if (bn.type != OpType::kBatchNorm) continue;
    std::vector<float> scale, shift;
    affine(g, bn, scale, shift);
    const int64_t channels = static_cast<int64_t>(scale.size());
    const int x = bn.inputs[0];
    const int p = producer[x];
    if (p >= 0 && uses[x] == 1 && foldable(g.nodes()[p].type) &&
        g.nodes()[p].attrs.activation == graph::Activation::kNone) {
      // Copies of the weights: another node may share the originals.
      const graph::Node op = g.nodes()[p];
      Tensor w = g.value(op.inputs[1]).data;
      const int axis = channel_axis(op.type);
      if (w.dim(axis) != channels) {
        throw host::Error("fold_batch_norm: node '" + bn.name + "' has " +
                          std::to_string(channels) + " channels, '" + op.name + "' produces " +
                          std::to_string(w.dim(axis)));
      }
      int64_t inner = 1;
      for (int d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
      for (int64_t i = 0; i < w.size(); ++i) w[i] *= scale[(i / inner) % channels];
      Tensor b(graph::Shape{channels}, 0.0f);
      if (op.inputs.size() == 3) b = g.value(op.inputs[2]).data;
      for (int64_t c = 0; c < channels; ++c) b[c] = b[c] * scale[c] + shift[c];
      const bool w_trainable = g.value(op.inputs[1]).kind == graph::ValueKind::kParameter;
      const std::string w_name = g.value(op.inputs[1]).name;
      const int new_w = g.add_parameter(w_name + "/folded", std::move(w), w_trainable);
      const int new_b = g.add_parameter(op.name + "/bias_folded", std::move(b), w_trainable);
      graph::Node& target = g.nodes()[p];
      target.inputs.resize(3);
      target.inputs[1] = new_w;
      target.inputs[2] = new_b;
      rewrite.alias.resize(g.values().size());
      rewrite.alias[new_w] = new_w;
      rewrite.alias[new_b] = new_b;
      rewrite.drop[n] = 1;
      rewrite.alias[bn.outputs.at(0)] = x;
      continue;
    }
  }
  graph::Graph folded = rebuild(g, rewrite);
  for (const graph::Node& node : folded.nodes())
    if (node.type == OpType::kBatchNorm) return batch_norm_to_mul_add(folded);
  return folded;
}

}  // namespace tinyforge::quantize
