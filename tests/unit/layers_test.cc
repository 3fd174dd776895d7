// Layer builders: shapes, parameter layouts and counts, initializer ranges, seeds, and errors.
#include "toolkit/train/layers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::train {
namespace {

using graph::OpType;
using graph::Shape;

TEST(Layers, DenseShapesAndDefaultInitializerBound) {
  graph::Graph g;
  LayerBuilder b(g, 7);
  int x = b.input({28, 28, 1});
  x = b.dense(x, {.units = 128, .activation = graph::Activation::kRelu});
  EXPECT_EQ(b.shape(x), (Shape{-1, 128}));
  EXPECT_EQ(g.parameter_count(), 784 * 128 + 128);
  const graph::Value& w = g.value(g.nodes().back().inputs[1]);
  EXPECT_EQ(w.name, "dense/kernel");
  EXPECT_EQ(w.shape, (Shape{128, 784}));
  // PyTorch's default: uniform in +-1/sqrt(fan_in), and it should fill most of that range.
  const float bound = 1.0f / std::sqrt(784.0f);
  float lo = 1, hi = -1;
  for (float v : w.data.values()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  EXPECT_LT(lo, -0.99f * bound);
  EXPECT_GT(hi, 0.99f * bound);
  const graph::Value& bias = g.value(g.nodes().back().inputs[2]);
  for (float v : bias.data.values()) EXPECT_LE(std::abs(v), bound);
  EXPECT_EQ(g.nodes().back().attrs.activation, graph::Activation::kRelu);
}

TEST(Layers, SameSeedSameWeightsOtherSeedOtherWeights) {
  auto weights = [](uint64_t seed) {
    graph::Graph g;
    LayerBuilder b(g, seed);
    b.dense(b.input({10}), {.units = 5});
    return g.value(g.nodes().back().inputs[1]).data.values();
  };
  EXPECT_EQ(weights(1), weights(1));
  EXPECT_NE(weights(1), weights(2));
}

TEST(Layers, InitializerStatistics) {
  std::mt19937_64 rng(3);
  graph::Tensor t({20000});
  initialize(t, Initializer::kHeNormal, 50, 10, rng);
  double sum = 0, sq = 0;
  for (float v : t.values()) {
    sum += v;
    sq += double{v} * v;
  }
  const double mean = sum / t.size(), var = sq / t.size() - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 2.0 / 50, 0.003);
  initialize(t, Initializer::kGlorotUniform, 30, 20, rng);
  const float bound = std::sqrt(6.0f / 50);
  for (float v : t.values()) ASSERT_LE(std::abs(v), bound);
  initialize(t, Initializer::kZeros, 1, 1, rng);
  EXPECT_EQ(t[123], 0.0f);
  EXPECT_EQ(parse_initializer("he_uniform"), Initializer::kHeUniform);
  EXPECT_STREQ(initializer_name(Initializer::kLecunNormal), "lecun_normal");
  EXPECT_THROW(parse_initializer("xavier"), host::Error);
}

TEST(Layers, ConvolutionsPoolingAndPadding) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.input({28, 28, 3});
  int c =
      b.conv2d(x, {.filters = 8, .stride_h = 2, .stride_w = 2, .padding = graph::Padding::kSame});
  EXPECT_EQ(b.shape(c), (Shape{-1, 14, 14, 8}));
  EXPECT_EQ(g.value(g.nodes().back().inputs[1]).shape, (Shape{8, 3, 3, 3}));
  int d = b.depthwise_conv2d(c, {.multiplier = 2});
  EXPECT_EQ(b.shape(d), (Shape{-1, 12, 12, 16}));
  EXPECT_EQ(g.value(g.nodes().back().inputs[1]).shape, (Shape{1, 3, 3, 16}));
  EXPECT_EQ(b.shape(b.max_pool2d(d)), (Shape{-1, 6, 6, 16}));
  EXPECT_EQ(b.shape(b.average_pool2d(d, {.pool_h = 3, .pool_w = 3, .stride_h = 1, .stride_w = 1})),
            (Shape{-1, 10, 10, 16}));
  EXPECT_EQ(b.shape(b.global_average_pool(d)), (Shape{-1, 16}));
  EXPECT_EQ(g.nodes().back().type, OpType::kMean);
  EXPECT_EQ(g.nodes().back().attrs.axes, (std::vector<int>{1, 2}));
  int p = b.zero_padding(d, 1, 2, 3, 4);
  EXPECT_EQ(b.shape(p), (Shape{-1, 15, 19, 16}));
  EXPECT_EQ(g.nodes().back().attrs.paddings, (std::vector<int64_t>{0, 0, 1, 2, 3, 4, 0, 0}));
}

TEST(Layers, Conv1DIsReshapeConv2DReshape) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.input({50, 3});
  int y = b.conv1d(x, {.filters = 6, .kernel = 5, .stride = 2});
  EXPECT_EQ(b.shape(y), (Shape{-1, 23, 6}));
  ASSERT_EQ(g.nodes().size(), 3u);
  EXPECT_EQ(g.nodes()[0].type, OpType::kReshape);
  EXPECT_EQ(g.nodes()[1].type, OpType::kConv2D);
  EXPECT_EQ(g.value(g.nodes()[1].inputs[1]).shape, (Shape{6, 1, 5, 3}));
  EXPECT_EQ(g.nodes()[2].type, OpType::kReshape);
  EXPECT_EQ(g.parameter_count(), 6 * 5 * 3 + 6);
}

TEST(Layers, BatchNormHasTrainableScaleAndStateStatistics) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.batch_norm(b.input({4, 4, 5}), {.epsilon = 1e-5f, .momentum = 0.9f});
  const graph::Node& n = g.nodes().back();
  ASSERT_EQ(n.inputs.size(), 5u);
  EXPECT_EQ(g.value(n.inputs[1]).kind, graph::ValueKind::kParameter);
  EXPECT_EQ(g.value(n.inputs[1]).data[0], 1.0f);
  EXPECT_EQ(g.value(n.inputs[2]).kind, graph::ValueKind::kParameter);
  EXPECT_EQ(g.value(n.inputs[3]).kind, graph::ValueKind::kState);
  EXPECT_EQ(g.value(n.inputs[4]).data[4], 1.0f);
  EXPECT_FLOAT_EQ(n.attrs.epsilon, 1e-5f);
  EXPECT_EQ(b.shape(x), (Shape{-1, 4, 4, 5}));
  EXPECT_EQ(g.trainable_parameters().size(), 2u);
  EXPECT_EQ(g.parameter_count(), 20);
}

TEST(Layers, ActivationsShapesAndCombining) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.input({6, 4});
  const OpType expected[] = {OpType::kRelu,     OpType::kRelu6,  OpType::kLeakyRelu,
                             OpType::kLogistic, OpType::kTanh,   OpType::kHardSwish,
                             OpType::kSoftmax,  OpType::kDropout};
  int y = b.relu(x);
  y = b.relu6(y);
  y = b.leaky_relu(y, 0.1f);
  y = b.sigmoid(y);
  y = b.tanh(y);
  y = b.hard_swish(y);
  y = b.softmax(y);
  y = b.dropout(y, 0.5f);
  ASSERT_EQ(g.nodes().size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(g.nodes()[i].type, expected[i]);
  EXPECT_FLOAT_EQ(g.nodes()[2].attrs.alpha, 0.1f);
  EXPECT_FLOAT_EQ(g.nodes()[7].attrs.rate, 0.5f);
  EXPECT_EQ(b.activation(y, graph::Activation::kNone), y);
  EXPECT_EQ(b.shape(b.flatten(y)), (Shape{-1, 24}));
  EXPECT_EQ(b.shape(b.reshape(y, {2, -1})), (Shape{-1, 2, 12}));
  EXPECT_EQ(b.shape(b.add(x, y, graph::Activation::kRelu)), (Shape{-1, 6, 4}));
  EXPECT_EQ(b.shape(b.concatenate({x, y, x})), (Shape{-1, 6, 12}));
  EXPECT_EQ(b.shape(b.concatenate({x, y}, 1)), (Shape{-1, 12, 4}));
}

TEST(Layers, DefaultNamesFollowKeras) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.input({4});
  x = b.dense(x, {.units = 3});
  x = b.dense(x, {.units = 3});
  x = b.dense(x, {.units = 2, .name = "head"});
  EXPECT_EQ(g.nodes()[0].name, "dense");
  EXPECT_EQ(g.nodes()[1].name, "dense_1");
  EXPECT_EQ(g.nodes()[2].name, "head");
  EXPECT_EQ(g.value(g.nodes()[1].inputs[2]).name, "dense_1/bias");
}

TEST(Layers, BadArgumentsNameTheLayer) {
  graph::Graph g;
  LayerBuilder b(g, 1);
  int x = b.input({4});
  try {
    b.dense(x, {.units = 0, .name = "fc"});
    FAIL();
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fc'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("units"), std::string::npos) << e.what();
  }
  EXPECT_THROW(b.conv2d(x, {.filters = 4}), host::Error);  // rank 2 input
  EXPECT_THROW(b.dropout(x, 1.0f), host::Error);
  EXPECT_THROW(b.conv1d(x, {.filters = 2}), host::Error);
}

}  // namespace
}  // namespace tinyforge::train
