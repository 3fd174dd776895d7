#include "toolkit/train/layers.h"

#include <cmath>
#include <numbers>
#include <utility>

#include "toolkit/host/error.h"

namespace tinyforge::train {

namespace {

struct InitName {
  Initializer init;
  const char* name;
};

constexpr InitName kInitNames[] = {
    {Initializer::kDefault, "default"},
    {Initializer::kZeros, "zeros"},
    {Initializer::kOnes, "ones"},
    {Initializer::kGlorotUniform, "glorot_uniform"},
    {Initializer::kGlorotNormal, "glorot_normal"},
    {Initializer::kHeUniform, "he_uniform"},
    {Initializer::kHeNormal, "he_normal"},
    {Initializer::kLecunNormal, "lecun_normal"},
};

// Uniform in [0, 1) from the top 53 bits of one draw: exact in double, same on every platform.
double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

// Box-Muller on two draws; 1 - u keeps the logarithm's argument in (0, 1].
double standard_normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - unit_uniform(rng);
  const double u2 = unit_uniform(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

void fill_uniform(graph::Tensor& t, double bound, std::mt19937_64& rng) {
  for (float& v : t.values()) v = static_cast<float>((2.0 * unit_uniform(rng) - 1.0) * bound);
}

void fill_normal(graph::Tensor& t, double stddev, std::mt19937_64& rng) {
  for (float& v : t.values()) v = static_cast<float>(standard_normal(rng) * stddev);
}

void expect_positive(const std::string& layer, const char* field, int64_t value) {
  if (value <= 0) {
    throw host::Error("layer '" + layer + "': " + field + " is " + std::to_string(value) +
                      ", expected a positive number");
  }
}

graph::Attributes reshape_to(graph::Shape shape) {
  graph::Attributes a;
  a.new_shape = std::move(shape);
  return a;
}

// Convolutions and padding take NHWC images.
void expect_image_input(const std::string& layer, const graph::Shape& shape) {
  if (shape.size() != 4) {
    throw host::Error("layer '" + layer + "': input has shape " + graph::shape_string(shape) +
                      ", expected [batch, height, width, channels]");
  }
}

// The sliding-window attributes Conv2DOptions and DepthwiseConv2DOptions share.
template <typename Options>
graph::Attributes window_attributes(const Options& o) {
  graph::Attributes a;
  a.stride_h = o.stride_h;
  a.stride_w = o.stride_w;
  a.dilation_h = o.dilation_h;
  a.dilation_w = o.dilation_w;
  a.padding = o.padding;
  a.activation = o.activation;
  return a;
}

}  // namespace

Initializer parse_initializer(std::string_view name) {
  std::string known;
  for (const InitName& n : kInitNames) {
    if (name == n.name) return n.init;
    known += known.empty() ? "" : ", ";
    known += n.name;
  }
  throw host::Error("initializer '" + std::string(name) + "' is unknown, expected one of " + known);
}

const char* initializer_name(Initializer init) {
  for (const InitName& n : kInitNames)
    if (n.init == init) return n.name;
  return "unknown";
}

void initialize(graph::Tensor& t, Initializer init, int64_t fan_in, int64_t fan_out,
                std::mt19937_64& rng) {
  const double in = static_cast<double>(std::max<int64_t>(fan_in, 1));
  const double out = static_cast<double>(std::max<int64_t>(fan_out, 1));
  switch (init) {
    case Initializer::kDefault:
      return fill_uniform(t, 1.0 / std::sqrt(in), rng);
    case Initializer::kZeros:
      return t.fill(0.0f);
    case Initializer::kOnes:
      return t.fill(1.0f);
    case Initializer::kGlorotUniform:
      return fill_uniform(t, std::sqrt(6.0 / (in + out)), rng);
    case Initializer::kGlorotNormal:
      return fill_normal(t, std::sqrt(2.0 / (in + out)), rng);
    case Initializer::kHeUniform:
      return fill_uniform(t, std::sqrt(6.0 / in), rng);
    case Initializer::kHeNormal:
      return fill_normal(t, std::sqrt(2.0 / in), rng);
    case Initializer::kLecunNormal:
      return fill_normal(t, std::sqrt(1.0 / in), rng);
  }
}

LayerBuilder::LayerBuilder(graph::Graph& graph, uint64_t seed) : graph_(graph), rng_(seed) {}

const graph::Shape& LayerBuilder::shape(int value) const { return graph_.value(value).shape; }

std::string LayerBuilder::layer_name(const std::string& given, const char* kind) {
  if (!given.empty()) return given;
  // Keras-style default names: dense, dense_1, dense_2, ... per kind.
  for (auto& [k, count] : counters_) {
    if (k == kind) return std::string(kind) + "_" + std::to_string(++count);
  }
  counters_.emplace_back(kind, 0);
  return kind;
}

int LayerBuilder::add_weight(const std::string& layer, const std::string& what, graph::Shape shape,
                             Initializer init, int64_t fan_in, int64_t fan_out) {
  graph::Tensor t(std::move(shape));
  initialize(t, init, fan_in, fan_out, rng_);
  return graph_.add_parameter(layer + "/" + what, std::move(t));
}

int LayerBuilder::input(const graph::Shape& sample_shape, std::string name) {
  graph::Shape s{-1};
  s.insert(s.end(), sample_shape.begin(), sample_shape.end());
  for (size_t i = 1; i < s.size(); ++i) expect_positive(name, "input dimension", s[i]);
  return graph_.add_input(std::move(name), std::move(s));
}

int LayerBuilder::dense(int x, const DenseOptions& o) {
  const std::string layer = layer_name(o.name, "dense");
  expect_positive(layer, "units", o.units);
  const graph::Shape& xs = shape(x);
  int64_t features = 1;
  for (size_t i = 1; i < xs.size(); ++i) features *= xs[i];
  // Weight first, then bias, each drawn in full: the order PyTorch's Linear initializes them.
  std::vector<int> inputs{
      x, add_weight(layer, "kernel", {o.units, features}, o.kernel_init, features, o.units)};
  if (o.use_bias)
    inputs.push_back(add_weight(layer, "bias", {o.units}, o.bias_init, features, o.units));
  graph::Attributes a;
  a.activation = o.activation;
  return graph_.add_node(graph::OpType::kFullyConnected, std::move(inputs), a, layer);
}

int LayerBuilder::conv2d_on(int x, const Conv2DOptions& o, const std::string& layer) {
  expect_positive(layer, "filters", o.filters);
  expect_positive(layer, "kernel height", o.kernel_h);
  expect_positive(layer, "kernel width", o.kernel_w);
  const graph::Shape& xs = shape(x);
  expect_image_input(layer, xs);
  const int64_t channels = xs[3];
  const int64_t window = int64_t{o.kernel_h} * o.kernel_w;
  const int64_t fan_in = window * channels, fan_out = window * o.filters;
  std::vector<int> inputs{
      x, add_weight(layer, "kernel", {o.filters, o.kernel_h, o.kernel_w, channels}, o.kernel_init,
                    fan_in, fan_out)};
  if (o.use_bias)
    inputs.push_back(add_weight(layer, "bias", {o.filters}, o.bias_init, fan_in, fan_out));
  return graph_.add_node(graph::OpType::kConv2D, std::move(inputs), window_attributes(o), layer);
}

int LayerBuilder::conv2d(int x, const Conv2DOptions& o) {
  return conv2d_on(x, o, layer_name(o.name, "conv2d"));
}

int LayerBuilder::depthwise_conv2d(int x, const DepthwiseConv2DOptions& o) {
  const std::string layer = layer_name(o.name, "depthwise_conv2d");
  expect_positive(layer, "multiplier", o.multiplier);
  const graph::Shape& xs = shape(x);
  expect_image_input(layer, xs);
  const int64_t out_channels = xs[3] * o.multiplier;
  // Each output channel sees one input channel, so fan-in is the window (PyTorch's grouped conv).
  const int64_t window = int64_t{o.kernel_h} * o.kernel_w;
  const int64_t fan_in = window, fan_out = window * o.multiplier;
  std::vector<int> inputs{x, add_weight(layer, "kernel", {1, o.kernel_h, o.kernel_w, out_channels},
                                        o.kernel_init, fan_in, fan_out)};
  if (o.use_bias)
    inputs.push_back(add_weight(layer, "bias", {out_channels}, o.bias_init, fan_in, fan_out));
  return graph_.add_node(graph::OpType::kDepthwiseConv2D, std::move(inputs), window_attributes(o),
                         layer);
}

int LayerBuilder::conv1d(int x, const Conv1DOptions& o) {
  const std::string layer = layer_name(o.name, "conv1d");
  const graph::Shape& xs = shape(x);
  if (xs.size() != 3) {
    throw host::Error("layer '" + layer + "': input has shape " + graph::shape_string(xs) +
                      ", expected [batch, length, channels]");
  }
  const int y = graph_.add_node(graph::OpType::kReshape, {x}, reshape_to({-1, 1, xs[1], xs[2]}),
                                layer + "/expand");
  Conv2DOptions c;
  c.filters = o.filters;
  c.kernel_h = 1;
  c.kernel_w = o.kernel;
  c.stride_w = o.stride;
  c.dilation_w = o.dilation;
  c.padding = o.padding;
  c.activation = o.activation;
  c.use_bias = o.use_bias;
  c.kernel_init = o.kernel_init;
  c.bias_init = o.bias_init;
  const int z = conv2d_on(y, c, layer);
  const graph::Shape& zs = shape(z);
  return graph_.add_node(graph::OpType::kReshape, {z}, reshape_to({-1, zs[2], zs[3]}),
                         layer + "/squeeze");
}

namespace {

graph::Attributes pool_attributes(const Pool2DOptions& o) {
  graph::Attributes a;
  a.filter_h = o.pool_h;
  a.filter_w = o.pool_w;
  a.stride_h = o.stride_h > 0 ? o.stride_h : o.pool_h;
  a.stride_w = o.stride_w > 0 ? o.stride_w : o.pool_w;
  a.padding = o.padding;
  return a;
}

}  // namespace

int LayerBuilder::max_pool2d(int x, const Pool2DOptions& o) {
  return graph_.add_node(graph::OpType::kMaxPool2D, {x}, pool_attributes(o),
                         layer_name(o.name, "max_pool2d"));
}

int LayerBuilder::average_pool2d(int x, const Pool2DOptions& o) {
  return graph_.add_node(graph::OpType::kAveragePool2D, {x}, pool_attributes(o),
                         layer_name(o.name, "average_pool2d"));
}

int LayerBuilder::global_average_pool(int x, std::string name) {
  graph::Attributes a;
  a.axes = {1, 2};
  a.keep_dims = false;
  return graph_.add_node(graph::OpType::kMean, {x}, a, layer_name(name, "global_average_pool"));
}

int LayerBuilder::batch_norm(int x, const BatchNormOptions& o) {
  const std::string layer = layer_name(o.name, "batch_norm");
  const graph::Shape& xs = shape(x);
  if (xs.size() < 2) {
    throw host::Error("layer '" + layer + "': input has shape " + graph::shape_string(xs) +
                      ", expected [batch, ..., channels]");
  }
  const int64_t c = xs.back();
  // Order fixed by graph.h: x, gamma, beta, moving_mean, moving_variance.
  std::vector<int> inputs{x};
  inputs.push_back(graph_.add_parameter(layer + "/gamma", graph::Tensor({c}, 1.0f)));
  inputs.push_back(graph_.add_parameter(layer + "/beta", graph::Tensor({c}, 0.0f)));
  inputs.push_back(graph_.add_parameter(layer + "/moving_mean", graph::Tensor({c}, 0.0f), false));
  inputs.push_back(
      graph_.add_parameter(layer + "/moving_variance", graph::Tensor({c}, 1.0f), false));
  graph::Attributes a;
  a.epsilon = o.epsilon;
  a.momentum = o.momentum;
  return graph_.add_node(graph::OpType::kBatchNorm, std::move(inputs), a, layer);
}

int LayerBuilder::relu(int x, std::string name) {
  return graph_.add_node(graph::OpType::kRelu, {x}, {}, layer_name(name, "relu"));
}

int LayerBuilder::relu6(int x, std::string name) {
  return graph_.add_node(graph::OpType::kRelu6, {x}, {}, layer_name(name, "relu6"));
}

int LayerBuilder::leaky_relu(int x, float alpha, std::string name) {
  graph::Attributes a;
  a.alpha = alpha;
  return graph_.add_node(graph::OpType::kLeakyRelu, {x}, a, layer_name(name, "leaky_relu"));
}

int LayerBuilder::sigmoid(int x, std::string name) {
  return graph_.add_node(graph::OpType::kLogistic, {x}, {}, layer_name(name, "sigmoid"));
}

int LayerBuilder::tanh(int x, std::string name) {
  return graph_.add_node(graph::OpType::kTanh, {x}, {}, layer_name(name, "tanh"));
}

int LayerBuilder::hard_swish(int x, std::string name) {
  return graph_.add_node(graph::OpType::kHardSwish, {x}, {}, layer_name(name, "hard_swish"));
}

int LayerBuilder::softmax(int x, float beta, std::string name) {
  graph::Attributes a;
  a.beta = beta;
  a.axis = -1;
  return graph_.add_node(graph::OpType::kSoftmax, {x}, a, layer_name(name, "softmax"));
}

int LayerBuilder::dropout(int x, float rate, std::string name) {
  const std::string layer = layer_name(name, "dropout");
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw host::Error("layer '" + layer + "': rate is " + std::to_string(rate) +
                      ", expected a probability in [0, 1)");
  }
  graph::Attributes a;
  a.rate = rate;
  return graph_.add_node(graph::OpType::kDropout, {x}, a, layer);
}

int LayerBuilder::activation(int x, graph::Activation kind, std::string name) {
  switch (kind) {
    case graph::Activation::kNone:
      return x;
    case graph::Activation::kRelu:
      return relu(x, std::move(name));
    case graph::Activation::kRelu6:
      return relu6(x, std::move(name));
  }
  return x;
}

int LayerBuilder::flatten(int x, std::string name) {
  return graph_.add_node(graph::OpType::kReshape, {x}, reshape_to({-1, -1}),
                         layer_name(name, "flatten"));
}

int LayerBuilder::reshape(int x, const graph::Shape& sample_shape, std::string name) {
  graph::Shape s{-1};
  s.insert(s.end(), sample_shape.begin(), sample_shape.end());
  return graph_.add_node(graph::OpType::kReshape, {x}, reshape_to(s), layer_name(name, "reshape"));
}

int LayerBuilder::zero_padding(int x, int top, int bottom, int left, int right, std::string name) {
  const std::string layer = layer_name(name, "zero_padding");
  expect_image_input(layer, shape(x));
  graph::Attributes a;
  a.paddings = {0, 0, top, bottom, left, right, 0, 0};
  return graph_.add_node(graph::OpType::kPad, {x}, a, layer);
}

int LayerBuilder::add(int a, int b, graph::Activation act, std::string name) {
  graph::Attributes attrs;
  attrs.activation = act;
  return graph_.add_node(graph::OpType::kAdd, {a, b}, attrs, layer_name(name, "add"));
}

int LayerBuilder::concatenate(const std::vector<int>& xs, int axis, std::string name) {
  graph::Attributes a;
  a.axis = axis;
  return graph_.add_node(graph::OpType::kConcatenation, xs, a, layer_name(name, "concatenate"));
}

}  // namespace tinyforge::train
