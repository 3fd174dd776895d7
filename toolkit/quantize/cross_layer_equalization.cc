#include "toolkit/quantize/cross_layer_equalization.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tinyforge::quantize {
namespace {

using graph::OpType;

constexpr double kMaxScale = 4.0;

bool is_conv(const graph::Node& n) {
  return (n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D) &&
         n.inputs.size() >= 2 && n.inputs[1] >= 0;
}

// The filter's channel axis holding output channels (first layer) or input channels (second):
// Conv2D filters are [out, kh, kw, in]; depthwise filters [1, kh, kw, C] hold channel c at the
// last axis both ways (multiplier 1).
int64_t channel_of(const graph::Node& n, const graph::Tensor& w, int64_t flat, bool output) {
  const int64_t last = w.shape().back();
  if (n.type == OpType::kDepthwiseConv2D) return flat % last;
  return output ? flat / (w.size() / w.shape()[0]) : flat % last;
}

std::vector<double> ranges(const graph::Node& n, const graph::Tensor& w, int64_t channels,
                           bool output) {
  std::vector<double> r(static_cast<size_t>(channels), 0.0);
  for (int64_t k = 0; k < w.size(); ++k) {
    double& v = r[static_cast<size_t>(channel_of(n, w, k, output))];
    v = std::max(v, static_cast<double>(std::fabs(w[k])));
  }
  return r;
}

double spread(const std::vector<double>& r) {
  double lo = INFINITY, hi = 0;
  for (double v : r) {
    if (v <= 0) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > 0 ? hi / lo : 1.0;
}

struct Pair {
  size_t first, second;
  int64_t channels;
};

std::vector<Pair> eligible_pairs(const graph::Graph& g) {
  std::map<int, int> readers;
  for (const graph::Node& n : g.nodes())
    for (int v : n.inputs) ++readers[v];
  for (int v : g.outputs()) readers[v] += 2;  // a model output must keep its values
  std::map<int, size_t> producer;
  for (size_t i = 0; i < g.nodes().size(); ++i) producer[g.nodes()[i].outputs.at(0)] = i;
  std::vector<Pair> pairs;
  for (size_t j = 0; j < g.nodes().size(); ++j) {
    const graph::Node& b = g.nodes()[j];
    if (!is_conv(b) || b.inputs.empty()) continue;
    const auto p = producer.find(b.inputs[0]);
    if (p == producer.end()) continue;
    const graph::Node& a = g.nodes()[p->second];
    if (!is_conv(a) || readers[a.outputs[0]] != 1) continue;
    if (a.attrs.activation == graph::Activation::kRelu6) continue;         // a clip does not scale
    if (readers[a.inputs[1]] != 1 || readers[b.inputs[1]] != 1) continue;  // shared weights
    const graph::Tensor& wa = g.value(a.inputs[1]).data;
    const graph::Tensor& wb = g.value(b.inputs[1]).data;
    const int64_t channels = wa.shape()[a.type == OpType::kConv2D ? 0 : 3];
    if (wb.shape().back() != channels) continue;  // a depthwise multiplier above 1
    pairs.push_back({p->second, j, channels});
  }
  return pairs;
}

void scale_pair(graph::Graph& g, const Pair& p) {
  const graph::Node a = g.nodes()[p.first];
  const graph::Node b = g.nodes()[p.second];
  graph::Tensor& wa = g.value(a.inputs[1]).data;
  graph::Tensor& wb = g.value(b.inputs[1]).data;
  const std::vector<double> r1 = ranges(a, wa, p.channels, true);
  const std::vector<double> r2 = ranges(b, wb, p.channels, false);
  std::vector<double> s(static_cast<size_t>(p.channels), 1.0);
  // A scale far from 1 moves a channel's share of the first layer's per-tensor output range into
  // the second layer's weights, whose product with that range is the second layer's effective
  // multiplier, which TFLite's kernels require below 1: bounded, as a channel the second layer
  // almost ignores would otherwise push it over.
  for (size_t c = 0; c < s.size(); ++c)
    if (r1[c] > 0 && r2[c] > 0)
      s[c] = std::clamp(std::sqrt(r1[c] / r2[c]), 1.0 / kMaxScale, kMaxScale);
  for (int64_t k = 0; k < wa.size(); ++k)
    wa[k] = static_cast<float>(wa[k] / s[static_cast<size_t>(channel_of(a, wa, k, true))]);
  if (a.inputs.size() >= 3 && a.inputs[2] >= 0) {
    graph::Tensor& bias = g.value(a.inputs[2]).data;
    for (int64_t c = 0; c < bias.size(); ++c)
      bias[c] = static_cast<float>(bias[c] / s[static_cast<size_t>(c)]);
  }
  for (int64_t k = 0; k < wb.size(); ++k)
    wb[k] = static_cast<float>(wb[k] * s[static_cast<size_t>(channel_of(b, wb, k, false))]);
}

}  // namespace

std::vector<EqualizedPair> equalize_cross_layer(graph::Graph& g) {
  const std::vector<Pair> pairs = eligible_pairs(g);
  std::vector<EqualizedPair> report;
  for (const Pair& p : pairs) {
    const graph::Node& a = g.nodes()[p.first];
    EqualizedPair e;
    e.first = g.value(a.outputs[0]).name;
    e.second = g.value(g.nodes()[p.second].outputs[0]).name;
    e.channels = static_cast<int>(p.channels);
    e.range_spread_before = spread(ranges(a, g.value(a.inputs[1]).data, p.channels, true));
    report.push_back(e);
  }
  for (const Pair& p : pairs) scale_pair(g, p);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const graph::Node& a = g.nodes()[pairs[i].first];
    report[i].range_spread_after =
        spread(ranges(a, g.value(a.inputs[1]).data, pairs[i].channels, true));
  }
  return report;
}

nlohmann::json equalized_pairs_json(const std::vector<EqualizedPair>& pairs) {
  nlohmann::json j = nlohmann::json::array();
  for (const EqualizedPair& p : pairs) {
    j.push_back({{"first", p.first},
                 {"second", p.second},
                 {"channels", p.channels},
                 {"range_spread_before", p.range_spread_before},
                 {"range_spread_after", p.range_spread_after}});
  }
  return j;
}

}  // namespace tinyforge::quantize
