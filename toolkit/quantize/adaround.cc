#include "toolkit/quantize/adaround.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/quantize/quant_params.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/train/executor.h"
#include "toolkit/train/optimizer.h"

namespace tinyforge::quantize {
namespace {

using graph::Tensor;

// The rectified sigmoid's stretch (the paper's zeta and gamma) and the regularizer's beta range.
constexpr double kZeta = 1.1;
constexpr double kGamma = -0.1;
constexpr double kBetaStart = 20.0;
constexpr double kBetaEnd = 2.0;
constexpr int64_t kRunBatch = 64;  // samples per forward pass when measuring

bool is_weighted(const graph::Node& n) {
  return n.type == graph::OpType::kConv2D || n.type == graph::OpType::kDepthwiseConv2D ||
         n.type == graph::OpType::kFullyConnected;
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double rectified(double v) { return std::clamp(sigmoid(v) * (kZeta - kGamma) + kGamma, 0.0, 1.0); }

// Rows [begin, end) of a batch-first tensor.
Tensor rows(const Tensor& t, int64_t begin, int64_t end) {
  graph::Shape shape = t.shape();
  const int64_t per = t.size() / std::max<int64_t>(t.dim(0), 1);
  shape[0] = end - begin;
  Tensor out(shape);
  std::copy(t.data() + begin * per, t.data() + end * per, out.data());
  return out;
}

Tensor pick(const Tensor& t, const std::vector<int64_t>& indices) {
  graph::Shape shape = t.shape();
  const int64_t per = t.size() / std::max<int64_t>(t.dim(0), 1);
  shape[0] = static_cast<int64_t>(indices.size());
  Tensor out(shape);
  for (size_t i = 0; i < indices.size(); ++i)
    std::copy(t.data() + indices[i] * per, t.data() + (indices[i] + 1) * per,
              out.data() + static_cast<int64_t>(i) * per);
  return out;
}

// Batch-first results of `run` on the samples, kRunBatch at a time, stacked.
template <typename Run>
Tensor over_samples(const Tensor& samples, Run run) {
  Tensor all;
  const int64_t n = samples.dim(0);
  for (int64_t begin = 0; begin < n; begin += kRunBatch) {
    const int64_t end = std::min(n, begin + kRunBatch);
    const Tensor part = run(rows(samples, begin, end));
    if (all.empty()) {
      graph::Shape shape = part.shape();
      shape[0] = n;
      all.reset(shape);
    }
    const int64_t per = part.size() / (end - begin);
    std::copy(part.data(), part.data() + part.size(), all.data() + begin * per);
  }
  return all;
}

// What the quantized model feeds value `id` to its reader: the runtime's dequantized activation,
// or for a graph input the samples on the input's grid.
Tensor quantized_activation(const graph::Graph& quantized, int id, const Tensor& samples) {
  const graph::Value& v = quantized.value(id);
  const auto& inputs = quantized.inputs();
  if (std::find(inputs.begin(), inputs.end(), id) != inputs.end()) {
    Tensor out = samples;
    const float scale = v.quantization.scales.at(0);
    const int64_t zero = v.quantization.zero_points.empty() ? 0 : v.quantization.zero_points[0];
    for (int64_t i = 0; i < out.size(); ++i)
      out[i] = dequantize_value(quantize_value(out[i], scale, zero, v.dtype), scale, zero);
    return out;
  }
  ExposedValue exposed = expose_value(quantized, id, "adaround");
  return over_samples(samples, [&](const Tensor& batch) {
    return exposed.runner->run({batch}).at(static_cast<size_t>(exposed.output));
  });
}

Tensor float_activation(graph::Graph& float_graph, int id, const Tensor& samples) {
  train::Executor executor(float_graph);
  std::mt19937_64 rng(0);
  return over_samples(samples, [&](const Tensor& batch) {
    executor.forward({batch}, false, rng);
    return executor.activation(id);
  });
}

// One layer, alone, as a graph the training executor differentiates: input x, weights w (the
// rounded values, trainable), bias fixed.
struct LayerGraph {
  graph::Graph g;
  int weights = -1;
};

LayerGraph layer_graph(const graph::Graph& quantized, const graph::Node& node) {
  LayerGraph l;
  graph::Shape in_shape = quantized.value(node.inputs[0]).shape;
  in_shape[0] = -1;
  const int x = l.g.add_input("x", in_shape);
  const graph::Value& w = quantized.value(node.inputs[1]);
  l.weights = l.g.add_parameter("w", w.data);
  std::vector<int> inputs = {x, l.weights};
  if (node.inputs.size() >= 3 && node.inputs[2] >= 0)
    inputs.push_back(l.g.add_parameter("b", quantized.value(node.inputs[2]).data, false));
  l.g.set_outputs({l.g.add_node(node.type, inputs, node.attrs, "layer")});
  return l;
}

// A weight tensor's position on its per-channel grid: w / s = base + fraction.
struct Grid {
  std::vector<double> step;  // per element
  std::vector<double> base;  // floor(w / s)
  std::vector<double> fraction;
  double lowest = -127, highest = 127;
};

Grid grid_of(const graph::Value& w) {
  const graph::Quantization& q = w.quantization;
  if (q.scales.empty()) throw host::Error("adaround: weights '" + w.name + "' are not quantized");
  const graph::Shape& shape = w.data.shape();
  int64_t inner = 1, channels = 1;
  if (q.scales.size() > 1) {
    channels = shape.at(static_cast<size_t>(q.axis));
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  Grid grid;
  grid.lowest = static_cast<double>(dtype_min(w.dtype)) + 1;  // narrow range, as PTQ's scales
  grid.highest = static_cast<double>(dtype_max(w.dtype));
  const int64_t n = w.data.size();
  grid.step.resize(n);
  grid.base.resize(n);
  grid.fraction.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const double s = q.scales[static_cast<size_t>(channels == 1 ? 0 : (i / inner) % channels)];
    const double x = static_cast<double>(w.data[i]) / s;
    grid.step[i] = s;
    grid.base[i] = std::floor(x);
    grid.fraction[i] = x - grid.base[i];
  }
  return grid;
}

// Real weights for integer offsets `up` (0 or 1 each, or soft values in [0, 1]).
Tensor weights_on_grid(const Grid& grid, const graph::Shape& shape, const std::vector<double>& up) {
  Tensor w(shape);
  for (int64_t i = 0; i < w.size(); ++i) {
    const double q = std::clamp(grid.base[i] + up[i], grid.lowest, grid.highest);
    w[i] = static_cast<float>(q * grid.step[i]);
  }
  return w;
}

// Sum of squared differences between the layer (weights `w`) on `inputs` and `target`.
double squared_error(LayerGraph& layer, const Tensor& w, const Tensor& inputs,
                     const Tensor& target) {
  layer.g.value(layer.weights).data = w;
  const Tensor out = float_activation(layer.g, layer.g.outputs()[0], inputs);
  double sum = 0;
  for (int64_t i = 0; i < out.size(); ++i) {
    const double d = static_cast<double>(out[i]) - target[i];
    sum += d * d;
  }
  return sum;
}

// Learns the rounding offsets (0 or 1 per weight) of one layer.
std::vector<double> learn_rounding(LayerGraph& layer, const Grid& grid, const graph::Shape& shape,
                                   const Tensor& inputs, const Tensor& target,
                                   const AdaRoundOptions& options, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(grid.base.size());
  // V starts where h(V) equals the fraction: the soft weights begin at the float weights.
  Tensor v({n});
  for (int64_t i = 0; i < n; ++i) {
    const double h = std::clamp(grid.fraction[i], 0.01, 0.99);
    v[i] = static_cast<float>(-std::log((kZeta - kGamma) / (h - kGamma) - 1.0));
  }
  train::OptimizerConfig config;
  config.kind = train::OptimizerKind::kAdam;
  config.learning_rate = options.learning_rate;
  train::Optimizer adam(config);
  Tensor v_grad({n});
  std::vector<double> soft(static_cast<size_t>(n));
  std::mt19937_64 rng(seed);
  const int64_t samples = inputs.dim(0);
  const int64_t batch = std::min<int64_t>(std::max<int64_t>(options.batch_size, 1), samples);
  std::uniform_int_distribution<int64_t> any(0, samples - 1);
  train::Executor executor(layer.g);
  const int warmup = static_cast<int>(options.warmup * options.iterations);
  for (int it = 0; it < options.iterations; ++it) {
    for (int64_t i = 0; i < n; ++i) soft[static_cast<size_t>(i)] = rectified(v[i]);
    layer.g.value(layer.weights).data = weights_on_grid(grid, shape, soft);
    std::vector<int64_t> chosen(static_cast<size_t>(batch));
    for (int64_t& c : chosen) c = any(rng);
    const Tensor x = pick(inputs, chosen);
    const Tensor t = pick(target, chosen);
    const Tensor& y = executor.forward({x}, true, rng).at(0);
    Tensor dy(y.shape());
    for (int64_t k = 0; k < y.size(); ++k)
      dy[k] = static_cast<float>(2.0 * (static_cast<double>(y[k]) - t[k]) / batch);
    executor.backward({dy});
    const Tensor& dw = executor.gradient(layer.weights);
    const bool regularize = it >= warmup;
    const double progress =
        regularize ? static_cast<double>(it - warmup) / std::max(1, options.iterations - warmup)
                   : 0.0;
    const double beta = kBetaEnd + (kBetaStart - kBetaEnd) * (1.0 - progress);
    for (int64_t i = 0; i < n; ++i) {
      const double s = sigmoid(v[i]);
      const double stretched = s * (kZeta - kGamma) + kGamma;
      const double q = grid.base[i] + soft[static_cast<size_t>(i)];
      const bool moves = stretched > 0.0 && stretched < 1.0 && q > grid.lowest && q < grid.highest;
      const double dh_dv = moves ? s * (1.0 - s) * (kZeta - kGamma) : 0.0;
      double g = static_cast<double>(dw[i]) * grid.step[i] * dh_dv;
      if (regularize) {
        // d/dh of lambda (1 - |2h - 1|^beta)
        const double u = 2.0 * soft[static_cast<size_t>(i)] - 1.0;
        const double sign = u > 0 ? 1.0 : (u < 0 ? -1.0 : 0.0);
        g += options.regularization * -beta * std::pow(std::fabs(u), beta - 1.0) * sign * 2.0 *
             dh_dv;
      }
      v_grad[i] = static_cast<float>(g);
    }
    const train::ParameterGradient pg{&v, &v_grad};
    adam.step({&pg, 1});
  }
  std::vector<double> up(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) up[static_cast<size_t>(i)] = rectified(v[i]) >= 0.5 ? 1.0 : 0.0;
  return up;
}

}  // namespace

std::vector<AdaRoundLayer> adaround(graph::Graph& float_graph, graph::Graph& quantized,
                                    const Tensor& all_samples, const AdaRoundOptions& options) {
  if (float_graph.values().size() != quantized.values().size())
    throw host::Error("adaround: the float and quantized graphs differ");
  if (quantized.inputs().size() != 1)
    throw host::Error("adaround: the graph has " + std::to_string(quantized.inputs().size()) +
                      " inputs, expected one");
  const int64_t count = options.samples <= 0
                            ? all_samples.dim(0)
                            : std::min<int64_t>(options.samples, all_samples.dim(0));
  if (count <= 0) throw host::Error("adaround: no calibration samples");
  const Tensor samples = rows(all_samples, 0, count);
  std::vector<AdaRoundLayer> report;
  for (size_t n = 0; n < quantized.nodes().size(); ++n) {
    const graph::Node node = quantized.nodes()[n];
    if (!is_weighted(node)) continue;
    const int out = node.outputs.at(0);
    graph::Value& w = quantized.value(node.inputs.at(1));
    const Grid grid = grid_of(w);
    const Tensor inputs = quantized_activation(quantized, node.inputs[0], samples);
    const Tensor target = float_activation(float_graph, out, samples);
    LayerGraph layer = layer_graph(quantized, node);
    std::vector<double> nearest(grid.base.size());
    for (size_t i = 0; i < nearest.size(); ++i) nearest[i] = grid.fraction[i] >= 0.5 ? 1.0 : 0.0;
    const Tensor w_nearest = weights_on_grid(grid, w.data.shape(), nearest);
    const std::vector<double> up =
        learn_rounding(layer, grid, w.data.shape(), inputs, target, options, options.seed + n);
    const Tensor w_learned = weights_on_grid(grid, w.data.shape(), up);
    const double e_nearest = squared_error(layer, w_nearest, inputs, target);
    const double e_learned = squared_error(layer, w_learned, inputs, target);

    AdaRoundLayer r;
    r.name = quantized.value(out).name;
    r.op = graph::op_type_name(node.type);
    r.weights = w.data.size();
    r.learned = e_learned < e_nearest;
    for (size_t i = 0; i < up.size(); ++i) r.changed += r.learned && up[i] != nearest[i];
    const auto& scales = quantized.value(out).quantization.scales;
    const double step = scales.empty() ? 1.0 : scales[0];
    const double elements = static_cast<double>(std::max<int64_t>(target.size(), 1));
    r.rmse_nearest_steps = std::sqrt(e_nearest / elements) / step;
    r.rmse_steps = std::sqrt(std::min(e_nearest, e_learned) / elements) / step;
    w.data = r.learned ? w_learned : w_nearest;
    report.push_back(r);
  }
  return report;
}

nlohmann::json adaround_json(const std::vector<AdaRoundLayer>& layers) {
  nlohmann::json j = nlohmann::json::array();
  for (const AdaRoundLayer& l : layers) {
    j.push_back({{"name", l.name},
                 {"op", l.op},
                 {"weights", l.weights},
                 {"changed", l.changed},
                 {"learned", l.learned},
                 {"rmse_nearest_steps", l.rmse_nearest_steps},
                 {"rmse_steps", l.rmse_steps}});
  }
  return j;
}

}  // namespace tinyforge::quantize
