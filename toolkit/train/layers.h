// Keras-like layer builders: each call adds its parameters (initialised from the builder's seeded
// generator) and its nodes to a graph::Graph and returns the id of the output value. Activations
// are batch-first with the batch declared -1; shapes follow TFLite (NHWC, weights as graph.h).
//
//   graph::Graph g;
//   LayerBuilder b(g, /*seed=*/1234);
//   int x = b.input({28, 28, 1});
//   x = b.conv2d(x, {.filters = 16, .kernel_h = 3, .kernel_w = 3, .padding =
//   graph::Padding::kSame}); x = b.relu(x);
//   ...
//   g.set_outputs({x});
#ifndef TINYFORGE_TOOLKIT_TRAIN_LAYERS_H_
#define TINYFORGE_TOOLKIT_TRAIN_LAYERS_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "toolkit/graph/graph.h"

namespace tinyforge::train {

enum class Initializer : uint8_t {
  kDefault,  // PyTorch's default: uniform in ±1/sqrt(fan_in), weights and biases alike
  kZeros,
  kOnes,
  kGlorotUniform,  // Keras' default kernel initializer: ±sqrt(6 / (fan_in + fan_out))
  kGlorotNormal,
  kHeUniform,    // ±sqrt(6 / fan_in)
  kHeNormal,     // N(0, 2 / fan_in)
  kLecunNormal,  // N(0, 1 / fan_in)
};

// "default", "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
// "lecun_normal"; throws host::Error listing them otherwise.
Initializer parse_initializer(std::string_view name);
const char* initializer_name(Initializer init);

// Fills `t` for a weight whose fan-in and fan-out are given. Draws come from the raw 64-bit
// outputs of the generator (not std::*_distribution, whose results differ between standard
// libraries), so a seed gives the same weights everywhere.
void initialize(graph::Tensor& t, Initializer init, int64_t fan_in, int64_t fan_out,
                std::mt19937_64& rng);

struct DenseOptions {
  int units = 0;
  graph::Activation activation = graph::Activation::kNone;  // fused
  bool use_bias = true;
  Initializer kernel_init = Initializer::kDefault;
  Initializer bias_init = Initializer::kDefault;
  std::string name{};
};

struct Conv2DOptions {
  int filters = 0;
  int kernel_h = 3, kernel_w = 3;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  graph::Padding padding = graph::Padding::kValid;
  graph::Activation activation = graph::Activation::kNone;
  bool use_bias = true;
  Initializer kernel_init = Initializer::kDefault;
  Initializer bias_init = Initializer::kDefault;
  std::string name{};
};

struct DepthwiseConv2DOptions {
  int kernel_h = 3, kernel_w = 3;
  int multiplier = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  graph::Padding padding = graph::Padding::kValid;
  graph::Activation activation = graph::Activation::kNone;
  bool use_bias = true;
  Initializer kernel_init = Initializer::kDefault;
  Initializer bias_init = Initializer::kDefault;
  std::string name{};
};

// Conv1D over [N, length, channels]: reshaped to [N, 1, length, channels], a 1×kernel Conv2D,
// and reshaped back, which is how TFLite represents it.
struct Conv1DOptions {
  int filters = 0;
  int kernel = 3;
  int stride = 1;
  int dilation = 1;
  graph::Padding padding = graph::Padding::kValid;
  graph::Activation activation = graph::Activation::kNone;
  bool use_bias = true;
  Initializer kernel_init = Initializer::kDefault;
  Initializer bias_init = Initializer::kDefault;
  std::string name{};
};

struct Pool2DOptions {
  int pool_h = 2, pool_w = 2;
  int stride_h = 0, stride_w = 0;  // 0 = the pool size, as in Keras and PyTorch
  graph::Padding padding = graph::Padding::kValid;
  std::string name{};
};

struct BatchNormOptions {
  float epsilon = 1e-3f;  // Keras' defaults; PyTorch uses 1e-5 and momentum 0.9 in these terms
  float momentum = 0.99f;
  std::string name{};
};

class LayerBuilder {
 public:
  // The graph must outlive the builder. `seed` drives every initializer.
  LayerBuilder(graph::Graph& graph, uint64_t seed);

  graph::Graph& graph() { return graph_; }
  std::mt19937_64& rng() { return rng_; }
  // Shape of a value (batch first, -1).
  const graph::Shape& shape(int value) const;

  // A graph input holding one sample of `sample_shape`; the batch dimension is prepended.
  int input(const graph::Shape& sample_shape, std::string name = "input");

  int dense(int x, const DenseOptions& options);
  int conv2d(int x, const Conv2DOptions& options);
  int depthwise_conv2d(int x, const DepthwiseConv2DOptions& options);
  int conv1d(int x, const Conv1DOptions& options);
  int max_pool2d(int x, const Pool2DOptions& options = {});
  int average_pool2d(int x, const Pool2DOptions& options = {});
  // Mean over height and width, [N,H,W,C] -> [N,C] (kMean over {1, 2}).
  int global_average_pool(int x, std::string name = "");
  int batch_norm(int x, const BatchNormOptions& options = {});

  int relu(int x, std::string name = "");
  int relu6(int x, std::string name = "");
  int leaky_relu(int x, float alpha = 0.2f, std::string name = "");
  int sigmoid(int x, std::string name = "");
  int tanh(int x, std::string name = "");
  int hard_swish(int x, std::string name = "");
  int softmax(int x, float beta = 1.0f, std::string name = "");
  int dropout(int x, float rate, std::string name = "");
  // Applies a fused-activation kind as a separate node (kNone returns x).
  int activation(int x, graph::Activation kind, std::string name = "");

  // [N, ...] -> [N, product of the rest].
  int flatten(int x, std::string name = "");
  // `sample_shape` excludes the batch; one dimension may be -1 (inferred).
  int reshape(int x, const graph::Shape& sample_shape, std::string name = "");
  // Zeros around height and width of [N,H,W,C] (Keras ZeroPadding2D).
  int zero_padding(int x, int top, int bottom, int left, int right, std::string name = "");
  int add(int a, int b, graph::Activation activation = graph::Activation::kNone,
          std::string name = "");
  // `axis` counts the batch; negative counts from the end.
  int concatenate(const std::vector<int>& xs, int axis = -1, std::string name = "");

 private:
  int add_weight(const std::string& layer, const std::string& what, graph::Shape shape,
                 Initializer init, int64_t fan_in, int64_t fan_out);
  std::string layer_name(const std::string& given, const char* kind);
  int conv2d_on(int x, const Conv2DOptions& o, const std::string& layer);

  graph::Graph& graph_;
  std::mt19937_64 rng_;
  std::vector<std::pair<std::string, int>> counters_;  // per layer kind, for default names
};

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_LAYERS_H_
