// AdaRound-style learned rounding (Nagel et al. 2020, "Up or Down? Adaptive Rounding for
// Post-Training Quantization"): instead of rounding every int8 weight to the nearest step, each
// Conv2D, DepthwiseConv2D and FullyConnected layer, in node order, learns for each weight whether
// to round down or up so that the layer's output on calibration samples stays closest to the
// float graph's. The input is what the quantized model (tinyforge's runtime, with the earlier
// layers' learned rounding in place) feeds that layer; the target is the float graph's output.
// A weight w with step s becomes s * (floor(w/s) + h(V)), h the rectified sigmoid
// clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1) with zeta = 1.1, gamma = -0.1, V learned with
// Adam on mean squared error plus lambda * sum(1 - |2h - 1|^beta), beta annealed from 20 to 2
// after a warm-up without the regularizer, which drives every h to 0 or 1. Only weight values
// change, by at most one step each; scales, zero points and the file format stay those of
// ordinary int8 PTQ. A layer keeps round-to-nearest when the learned rounding reconstructs its
// output worse on the samples.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_ADAROUND_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_ADAROUND_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/graph/graph.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::quantize {

struct AdaRoundOptions {
  int64_t samples = 256;  // the first samples of the given set it learns on (<= 0: all)
  int iterations = 1000;  // Adam steps per layer, each on a random batch
  int64_t batch_size = 32;
  double learning_rate = 0.01;
  double regularization = 0.01;  // lambda
  double warmup = 0.2;           // fraction of the iterations without the regularizer
  uint64_t seed = 0;             // batches; same seed, same rounding
};

struct AdaRoundLayer {
  std::string name;  // the layer's output value
  std::string op;
  int64_t weights = 0;
  int64_t changed = 0;  // weights rounded the other way than to nearest
  // RMSE of the layer's output against the float graph's, in output quantization steps, over the
  // samples: with every weight rounded to nearest, and with the rounding kept.
  double rmse_nearest_steps = 0;
  double rmse_steps = 0;
  bool learned = false;  // false: the learned rounding was no better, nearest kept
};

// `float_graph` and `quantized` are the same graph before and after quantize_graph (same value
// ids, int8 or 16x8 weights); `quantized`'s weights are re-rounded in place. `samples`: one-input
// graph, batch first. Returns one entry per layer. Throws host::Error on mismatched graphs.
std::vector<AdaRoundLayer> adaround(graph::Graph& float_graph, graph::Graph& quantized,
                                    const graph::Tensor& samples, const AdaRoundOptions& options);

nlohmann::json adaround_json(const std::vector<AdaRoundLayer>& layers);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_ADAROUND_H_
