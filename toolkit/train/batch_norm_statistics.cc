#include "toolkit/train/batch_norm_statistics.h"

#include <cmath>
#include <random>

#include "toolkit/data/batcher.h"

namespace tinyforge::train {

std::vector<int> unconverged_batch_norms(const graph::Graph& graph, int64_t steps) {
  std::vector<int> nodes;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const graph::Node& node = graph.nodes()[n];
    if (node.type != graph::OpType::kBatchNorm || node.inputs.size() != 5) continue;
    if (graph.value(node.inputs[1]).kind != graph::ValueKind::kParameter) continue;  // frozen
    const double kept = std::pow(static_cast<double>(node.attrs.momentum),
                                 static_cast<double>(std::max<int64_t>(steps, 0)));
    if (kept > kUnconvergedShare) nodes.push_back(static_cast<int>(n));
  }
  return nodes;
}

void recompute_batch_norm_statistics(graph::Graph& graph, Executor& executor,
                                     const data::Dataset& train, int64_t batch_size,
                                     const std::vector<int>& nodes) {
  if (nodes.empty() || train.empty()) return;
  // Every BatchNorm's momentum is restored on the way out: during the pass the recomputed
  // layers take each batch's statistics (0) and the others keep theirs (1).
  struct Momenta {
    graph::Graph& graph;
    std::vector<std::pair<int, float>> saved;
    ~Momenta() {
      for (const auto& [n, m] : saved) graph.nodes()[n].attrs.momentum = m;
    }
  } momenta{graph, {}};
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    graph::Node& node = graph.nodes()[n];
    if (node.type != graph::OpType::kBatchNorm) continue;
    momenta.saved.emplace_back(static_cast<int>(n), node.attrs.momentum);
    node.attrs.momentum = 1.0f;
  }
  struct Layer {
    int node;
    std::vector<double> mean_sum;    // sum over batches of n_b * batch mean
    std::vector<double> square_sum;  // sum over batches of n_b * batch mean^2
    std::vector<double> var_sum;     // sum over batches of n_b * batch variance
  };
  std::vector<Layer> layers;
  for (int n : nodes) {
    const size_t c = static_cast<size_t>(graph.value(graph.nodes()[n].inputs[3]).data.size());
    graph.nodes()[n].attrs.momentum = 0.0f;
    layers.push_back({n, std::vector<double>(c), std::vector<double>(c), std::vector<double>(c)});
  }
  data::Batcher batcher(train, batch_size, /*shuffle=*/false, 0);
  batcher.start_epoch(0);
  std::mt19937_64 rng(0);  // Dropout's draws; the trainer's generator stays untouched
  std::vector<graph::Tensor> inputs(1);
  data::Batch batch;
  double seen = 0;
  while (batcher.next(batch)) {
    // Momentum 0 makes a layer's moving statistics this batch's own, read back after it.
    std::swap(inputs[0], batch.features);
    executor.forward(inputs, /*training=*/true, rng);
    const double b = static_cast<double>(batch.labels.size());
    for (Layer& l : layers) {
      const graph::Node& node = graph.nodes()[l.node];
      const graph::Tensor& mean = graph.value(node.inputs[3]).data;
      const graph::Tensor& var = graph.value(node.inputs[4]).data;
      for (size_t i = 0; i < l.mean_sum.size(); ++i) {
        l.mean_sum[i] += b * mean[i];
        l.square_sum[i] += b * static_cast<double>(mean[i]) * mean[i];
        l.var_sum[i] += b * var[i];
      }
    }
    seen += b;
  }
  for (const Layer& l : layers) {
    const graph::Node& node = graph.nodes()[l.node];
    graph::Tensor& mean = graph.value(node.inputs[3]).data;
    graph::Tensor& var = graph.value(node.inputs[4]).data;
    for (size_t i = 0; i < l.mean_sum.size(); ++i) {
      const double m = l.mean_sum[i] / seen;
      mean[i] = static_cast<float>(m);
      var[i] =
          static_cast<float>(std::max(0.0, l.var_sum[i] / seen + l.square_sum[i] / seen - m * m));
    }
  }
}

}  // namespace tinyforge::train
