#include "toolkit/quantize/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "toolkit/host/error.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;

bool is_weighted(const graph::Node& n) {
  return n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D ||
         n.type == OpType::kFullyConnected;
}

bool is_activation(const graph::Value& v) {
  return v.kind == graph::ValueKind::kActivation || v.kind == graph::ValueKind::kInput;
}

// Builds the mixed pair node by node; values keep their ids, QUANTIZE outputs are appended.
class Mixer {
 public:
  Mixer(const Graph& float_graph, const Graph& int8, const Graph& int16x8)
      : int8_(int8), int16x8_(int16x8), wide_(int8.values().size(), 0) {
    out_.float_graph = float_graph;
    out_.quantized = int8;
  }

  void add(const graph::Node& node, bool wide) {
    graph::Node copy = node;
    for (size_t i = 0; i < copy.inputs.size(); ++i) {
      const int id = copy.inputs[i];
      if (id < 0) continue;
      if (is_activation(int8_.value(id))) {
        if (static_cast<bool>(wide_[static_cast<size_t>(id)]) != wide)
          copy.inputs[i] = converted(id, wide);
      } else if (wide) {
        // The 16x8 types and scales (int64 bias on the int16 input's scale) with the int8 graph's
        // real values, which may carry learned rounding and bias correction.
        graph::Value v = int16x8_.value(id);
        v.data = int8_.value(id).data;
        out_.quantized.value(id) = std::move(v);
      }
    }
    for (int id : copy.outputs) {
      wide_[static_cast<size_t>(id)] = wide;
      if (wide) out_.quantized.value(id) = int16x8_.value(id);
    }
    float_nodes_.push_back(copy);
    quantized_nodes_.push_back(copy);
  }

  bool wide(int id) const { return wide_.at(static_cast<size_t>(id)); }

  MixedGraphs finish() {
    // Outputs stay int8: an int16 one is converted back, and the converted value takes its name.
    std::vector<int> outputs;
    for (int id : int8_.outputs()) {
      if (!wide(id)) {
        outputs.push_back(id);
        continue;
      }
      const int narrow = converted(id, false);
      for (Graph* g : {&out_.float_graph, &out_.quantized}) {
        g->value(narrow).name = g->value(id).name;
        g->value(id).name += "/int16";
      }
      outputs.push_back(narrow);
    }
    out_.float_graph.nodes() = std::move(float_nodes_);
    out_.quantized.nodes() = std::move(quantized_nodes_);
    out_.float_graph.set_outputs(outputs);
    out_.quantized.set_outputs(outputs);
    return std::move(out_);
  }

 private:
  // Value `id` requantized to int16 (`wide`) or int8, once per value and type.
  int converted(int id, bool wide) {
    const auto key = std::make_pair(id, wide);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    graph::Value q = (wide ? int16x8_ : int8_).value(id);
    q.kind = graph::ValueKind::kActivation;
    q.name += wide ? "/int16" : "/int8";
    graph::Value f = out_.float_graph.value(id);
    f.kind = graph::ValueKind::kActivation;
    f.name = q.name;
    const int new_id = static_cast<int>(out_.quantized.values().size());
    out_.quantized.values().push_back(q);
    out_.float_graph.values().push_back(f);
    wide_.push_back(wide);
    graph::Node n{OpType::kQuantize, q.name, {id}, {new_id}, {}};
    float_nodes_.push_back(n);
    quantized_nodes_.push_back(n);
    cache_[key] = new_id;
    return new_id;
  }

  const Graph& int8_;
  const Graph& int16x8_;
  MixedGraphs out_;
  std::vector<char> wide_;  // per value id: produced in int16
  std::vector<graph::Node> float_nodes_, quantized_nodes_;
  std::map<std::pair<int, bool>, int> cache_;
};

double noise_ratio(double sqnr_db) {
  return std::isfinite(sqnr_db) ? std::pow(10.0, -sqnr_db / 10) : 0;
}

}  // namespace

MixedGraphs mix_precision(const Graph& float_graph, const Graph& int8, const Graph& int16x8,
                          const std::set<std::string>& int16_layers) {
  if (float_graph.values().size() != int8.values().size() ||
      int8.values().size() != int16x8.values().size() ||
      int8.nodes().size() != int16x8.nodes().size())
    throw host::Error("mixed precision: the float, int8 and 16x8 graphs differ");
  std::set<std::string> remaining = int16_layers;
  Mixer mixer(float_graph, int8, int16x8);
  for (const graph::Node& node : int8.nodes()) {
    bool wide = false;
    if (is_weighted(node)) {
      wide = remaining.erase(int8.value(node.outputs.at(0)).name) > 0;
    } else {
      // Other ops run in their (first) activation input's type.
      for (int id : node.inputs) {
        if (id >= 0 && is_activation(int8.value(id))) {
          wide = mixer.wide(id);
          break;
        }
      }
    }
    mixer.add(node, wide);
  }
  if (!remaining.empty())
    throw host::Error("mixed precision: '" + *remaining.begin() +
                      "' is not a Conv2D, DepthwiseConv2D or FullyConnected layer of the model");
  return mixer.finish();
}

std::vector<Candidate> rank_candidates(Graph& float_graph, const Graph& int8, const Graph& int16x8,
                                       const BatchProvider& batches) {
  const auto output_noise = [&](Graph& f, const Graph& q) {
    const ErrorReport report = quantization_error_report(f, q, batches);
    double sum = 0;
    for (int id : q.outputs())
      for (const LayerError& l : report.layers)
        if (l.name == q.value(id).name) sum += noise_ratio(l.sqnr_db);
    return sum;
  };
  const double int8_noise = output_noise(float_graph, int8);
  // Readers of each value, to follow a layer's output to the weighted layers that read it.
  std::vector<std::vector<const graph::Node*>> readers(int8.values().size());
  for (const graph::Node& n : int8.nodes())
    for (int id : n.inputs)
      if (id >= 0) readers[static_cast<size_t>(id)].push_back(&n);
  std::vector<Candidate> ranked;
  for (const graph::Node& node : int8.nodes()) {
    if (!is_weighted(node)) continue;
    Candidate c{int8.value(node.outputs.at(0)).name, graph::op_type_name(node.type), {}};
    c.layers.insert(c.name);
    std::vector<int> open = {node.outputs.at(0)};
    while (!open.empty()) {
      const int id = open.back();
      open.pop_back();
      for (const graph::Node* r : readers[static_cast<size_t>(id)]) {
        if (is_weighted(*r))
          c.layers.insert(int8.value(r->outputs.at(0)).name);
        else
          open.insert(open.end(), r->outputs.begin(), r->outputs.end());
      }
    }
    MixedGraphs mixed = mix_precision(float_graph, int8, int16x8, c.layers);
    c.noise_reduction = int8_noise - output_noise(mixed.float_graph, mixed.quantized);
    ranked.push_back(std::move(c));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
    return a.noise_reduction > b.noise_reduction;
  });
  return ranked;
}

MixedPrecisionPlan choose_mixed_precision(
    const std::vector<Candidate>& ranked, const MixedPrecisionBudget& budget,
    const std::function<Footprint(const std::set<std::string>&)>& measure) {
  MixedPrecisionPlan plan;
  plan.footprint = measure(plan.int16_layers);
  for (const Candidate& candidate : ranked) {
    LayerChoice choice{candidate};
    std::set<std::string> trial = plan.int16_layers;
    trial.insert(candidate.layers.begin(), candidate.layers.end());
    if (trial.size() == plan.int16_layers.size()) {
      choice.reason = "already int16";
      plan.choices.push_back(choice);
      continue;
    }
    if (candidate.noise_reduction <= 0) {
      choice.reason = "no gain";
      plan.choices.push_back(choice);
      continue;
    }
    if (budget.max_layers >= 0 && static_cast<int>(trial.size()) > budget.max_layers) {
      choice.reason = "layer limit";
      plan.choices.push_back(choice);
      continue;
    }
    choice.footprint = measure(trial);
    if (budget.max_arena_bytes > 0 && choice.footprint.arena_bytes > budget.max_arena_bytes) {
      choice.reason = "over the arena budget";
    } else if (budget.max_model_bytes > 0 &&
               choice.footprint.model_bytes > budget.max_model_bytes) {
      choice.reason = "over the model budget";
    } else {
      choice.int16 = true;
      choice.reason = "chosen";
      plan.int16_layers = std::move(trial);
      plan.footprint = choice.footprint;
    }
    plan.choices.push_back(choice);
  }
  return plan;
}

nlohmann::json mixed_precision_json(const MixedPrecisionPlan& plan) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerChoice& c : plan.choices) {
    layers.push_back({{"name", c.candidate.name},
                      {"op", c.candidate.op},
                      {"layers", c.candidate.layers},
                      {"noise_reduction", c.candidate.noise_reduction},
                      {"int16", c.int16},
                      {"reason", c.reason},
                      {"arena_bytes", c.footprint.arena_bytes},
                      {"model_bytes", c.footprint.model_bytes}});
  }
  return {{"int16_layers", plan.int16_layers.size()},
          {"arena_bytes", plan.footprint.arena_bytes},
          {"model_bytes", plan.footprint.model_bytes},
          {"layers", layers}};
}

}  // namespace tinyforge::quantize
