// Graph IR: unique names, shape inference for every op with TFLite's semantics, errors that name
// the node, parameter and MAC counts.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "toolkit/graph/graph.h"
#include "toolkit/host/error.h"

namespace tinyforge::graph {
namespace {

// Runs f, which must throw host::Error whose message contains every one of `parts`.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const host::Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

Attributes conv_attrs(Padding padding, int stride, int dilation = 1) {
  Attributes a;
  a.padding = padding;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  return a;
}

TEST(GraphTest, Conv2DOutputSizesFollowTflitePadding) {
  Graph g;
  const int x = g.add_input("x", {-1, 28, 28, 1});
  const int f = g.add_parameter("f", Tensor({8, 3, 3, 1}));
  const int b = g.add_parameter("b", Tensor({8}));
  EXPECT_EQ(g.value(g.add_node(OpType::kConv2D, {x, f, b}, conv_attrs(Padding::kSame, 1))).shape,
            (Shape{-1, 28, 28, 8}));
  EXPECT_EQ(g.value(g.add_node(OpType::kConv2D, {x, f, b}, conv_attrs(Padding::kSame, 2))).shape,
            (Shape{-1, 14, 14, 8}));
  // VALID: (28 - 3) / 2 + 1 = 13.
  EXPECT_EQ(g.value(g.add_node(OpType::kConv2D, {x, f, b}, conv_attrs(Padding::kValid, 2))).shape,
            (Shape{-1, 13, 13, 8}));
  // Dilation 2 widens the 3x3 window to 5x5: 28 - 5 + 1 = 24.
  EXPECT_EQ(g.value(g.add_node(OpType::kConv2D, {x, f}, conv_attrs(Padding::kValid, 1, 2))).shape,
            (Shape{-1, 24, 24, 8}));
  // SAME with stride 3 on 28: ceil(28 / 3) = 10.
  EXPECT_EQ(g.value(g.add_node(OpType::kConv2D, {x, f}, conv_attrs(Padding::kSame, 3))).shape,
            (Shape{-1, 10, 10, 8}));
}

TEST(GraphTest, Conv2DErrorsNameTheNode) {
  Graph g;
  const int x = g.add_input("x", {-1, 28, 28, 3});
  const int f = g.add_parameter("f", Tensor({8, 3, 3, 1}));
  expect_error(
      [&] {
        g.add_node(OpType::kConv2D, {x, f}, {}, "bad_conv");
      },
      {"'bad_conv'", "Conv2D", "[8,3,3,1]", "[out, kh, kw, 3]"});
  const int f2 = g.add_parameter("f2", Tensor({8, 3, 3, 3}));
  const int b = g.add_parameter("b", Tensor({4}));
  expect_error(
      [&] {
        g.add_node(OpType::kConv2D, {x, f2, b}, {}, "bad_bias");
      },
      {"'bad_bias'", "bias", "[4]", "expected [8]"});
  const int small = g.add_input("small", {-1, 2, 2, 3});
  expect_error(
      [&] {
        g.add_node(OpType::kConv2D, {small, f2}, {}, "too_small");
      },
      {"'too_small'", "VALID"});
  const size_t nodes = g.nodes().size(), values = g.values().size();
  EXPECT_THROW(g.add_node(OpType::kConv2D, {x}), host::Error);
  EXPECT_THROW(g.add_node(OpType::kConv2D, {x, 99}), host::Error);
  EXPECT_EQ(g.nodes().size(), nodes) << "a refused node must leave the graph unchanged";
  EXPECT_EQ(g.values().size(), values);
}

TEST(GraphTest, DepthwiseMultiplierComesFromTheFilter) {
  Graph g;
  const int x = g.add_input("x", {-1, 10, 10, 4});
  const int f = g.add_parameter("f", Tensor({1, 3, 3, 8}));
  const int b = g.add_parameter("b", Tensor({8}));
  EXPECT_EQ(
      g.value(g.add_node(OpType::kDepthwiseConv2D, {x, f, b}, conv_attrs(Padding::kSame, 2))).shape,
      (Shape{-1, 5, 5, 8}));
  const int bad = g.add_parameter("bad", Tensor({1, 3, 3, 6}));
  expect_error(
      [&] {
        g.add_node(OpType::kDepthwiseConv2D, {x, bad}, {}, "dw");
      },
      {"'dw'", "DepthwiseConv2D", "[1,3,3,6]", "4 * multiplier"});
}

TEST(GraphTest, PoolingAndFullyConnected) {
  Graph g;
  const int x = g.add_input("x", {-1, 7, 7, 2});
  Attributes pool;
  pool.filter_h = pool.filter_w = 2;
  pool.stride_h = pool.stride_w = 2;
  EXPECT_EQ(g.value(g.add_node(OpType::kMaxPool2D, {x}, pool)).shape, (Shape{-1, 3, 3, 2}));
  pool.padding = Padding::kSame;
  EXPECT_EQ(g.value(g.add_node(OpType::kAveragePool2D, {x}, pool)).shape, (Shape{-1, 4, 4, 2}));
  // FullyConnected flattens everything after the batch: 7 * 7 * 2 = 98 features.
  const int w = g.add_parameter("w", Tensor({10, 98}));
  const int b = g.add_parameter("b", Tensor({10}));
  EXPECT_EQ(g.value(g.add_node(OpType::kFullyConnected, {x, w, b})).shape, (Shape{-1, 10}));
  const int w_bad = g.add_parameter("w_bad", Tensor({10, 97}));
  expect_error(
      [&] {
        g.add_node(OpType::kFullyConnected, {x, w_bad}, {}, "dense");
      },
      {"'dense'", "[10,97]", "[units, 98]"});
}

TEST(GraphTest, ReshapeKeepsTheBatchAndResolvesOneUnknown) {
  Graph g;
  const int x = g.add_input("x", {-1, 4, 4, 2});
  Attributes a;
  a.new_shape = {-1, -1};
  EXPECT_EQ(g.value(g.add_node(OpType::kReshape, {x}, a)).shape, (Shape{-1, 32}));
  a.new_shape = {-1, 8, -1};
  EXPECT_EQ(g.value(g.add_node(OpType::kReshape, {x}, a)).shape, (Shape{-1, 8, 4}));
  a.new_shape = {-1, 2, 2, 8};
  EXPECT_EQ(g.value(g.add_node(OpType::kReshape, {x}, a)).shape, (Shape{-1, 2, 2, 8}));
  a.new_shape = {-1, -1, -1};
  expect_error([&] { g.add_node(OpType::kReshape, {x}, a, "r1"); }, {"'r1'", "two -1"});
  a.new_shape = {-1, 5, -1};
  expect_error([&] { g.add_node(OpType::kReshape, {x}, a, "r2"); }, {"'r2'", "32 elements"});
  a.new_shape = {-1, 31};
  expect_error([&] { g.add_node(OpType::kReshape, {x}, a, "r3"); }, {"'r3'", "32 elements"});
  a.new_shape = {4, 32};
  expect_error([&] { g.add_node(OpType::kReshape, {x}, a, "r4"); }, {"'r4'", "keep the batch"});
}

TEST(GraphTest, PadMeanAndConcatenation) {
  Graph g;
  const int x = g.add_input("x", {-1, 5, 5, 3});
  Attributes pad;
  pad.paddings = {0, 0, 1, 2, 1, 1, 0, 0};
  EXPECT_EQ(g.value(g.add_node(OpType::kPad, {x}, pad)).shape, (Shape{-1, 8, 7, 3}));
  pad.paddings = {0, 0, 1, 1};
  expect_error([&] { g.add_node(OpType::kPad, {x}, pad, "p"); },
               {"'p'", "4 entries", "expected 8"});
  pad.paddings = {1, 0, 0, 0, 0, 0, 0, 0};
  expect_error([&] { g.add_node(OpType::kPad, {x}, pad, "p2"); }, {"'p2'", "batch"});

  Attributes mean;
  mean.axes = {1, 2};
  EXPECT_EQ(g.value(g.add_node(OpType::kMean, {x}, mean)).shape, (Shape{-1, 3}));
  mean.keep_dims = true;
  EXPECT_EQ(g.value(g.add_node(OpType::kMean, {x}, mean)).shape, (Shape{-1, 1, 1, 3}));
  mean.axes = {-1};
  EXPECT_EQ(g.value(g.add_node(OpType::kMean, {x}, mean)).shape, (Shape{-1, 5, 5, 1}));
  mean.axes = {0};
  expect_error([&] { g.add_node(OpType::kMean, {x}, mean, "m"); }, {"'m'", "batch"});
  mean.axes = {4};
  expect_error([&] { g.add_node(OpType::kMean, {x}, mean, "m2"); }, {"'m2'", "out of range"});

  const int y = g.add_input("y", {-1, 5, 5, 2});
  Attributes cat;
  cat.axis = -1;
  EXPECT_EQ(g.value(g.add_node(OpType::kConcatenation, {x, y, x}, cat)).shape,
            (Shape{-1, 5, 5, 8}));
  cat.axis = 1;
  expect_error(
      [&] {
        g.add_node(OpType::kConcatenation, {x, y}, cat, "cat");
      },
      {"'cat'", "input 1", "[-1,5,5,2]", "axis 1"});
}

TEST(GraphTest, AddAndMulBroadcastLikeTflite) {
  Graph g;
  const int x = g.add_input("x", {-1, 4, 4, 3});
  const int c = g.add_parameter("c", Tensor({3}));
  EXPECT_EQ(g.value(g.add_node(OpType::kAdd, {x, c})).shape, (Shape{-1, 4, 4, 3}));
  EXPECT_EQ(g.value(g.add_node(OpType::kMul, {c, x})).shape, (Shape{-1, 4, 4, 3}));
  const int a = g.add_input("a", {-1, 4, 1, 3});
  const int b = g.add_input("b", {-1, 1, 5, 1});
  EXPECT_EQ(g.value(g.add_node(OpType::kMul, {a, b})).shape, (Shape{-1, 4, 5, 3}));
  const int s = g.add_constant("s", Tensor(Shape{}, 2.0f));
  EXPECT_EQ(g.value(g.add_node(OpType::kMul, {x, s})).shape, (Shape{-1, 4, 4, 3}));
  const int bad = g.add_parameter("bad", Tensor({2}));
  expect_error(
      [&] {
        g.add_node(OpType::kAdd, {x, bad}, {}, "sum");
      },
      {"'sum'", "Add", "cannot broadcast", "[-1,4,4,3]", "[2]"});
}

TEST(GraphTest, SoftmaxAndUnaryOps) {
  Graph g;
  const int x = g.add_input("x", {-1, 10});
  for (OpType t : {OpType::kRelu, OpType::kRelu6, OpType::kLeakyRelu, OpType::kLogistic,
                   OpType::kTanh, OpType::kHardSwish, OpType::kDropout, OpType::kSoftmax})
    EXPECT_EQ(g.value(g.add_node(t, {x})).shape, (Shape{-1, 10})) << op_type_name(t);
  Attributes a;
  a.axis = 0;
  expect_error([&] { g.add_node(OpType::kSoftmax, {x}, a, "sm"); }, {"'sm'", "last dimension"});
  expect_error([&] { g.add_node(OpType::kRelu, {x, x}, {}, "two"); }, {"'two'", "expects 1"});
}

TEST(GraphTest, BatchNormChecksItsStatistics) {
  Graph g;
  const int x = g.add_input("x", {-1, 6, 6, 4});
  const int gamma = g.add_parameter("gamma", Tensor({4}, 1.0f));
  const int beta = g.add_parameter("beta", Tensor({4}));
  const int mean = g.add_parameter("mean", Tensor({4}), false);
  const int var = g.add_parameter("var", Tensor({4}, 1.0f), false);
  EXPECT_EQ(g.value(g.add_node(OpType::kBatchNorm, {x, gamma, beta, mean, var})).shape,
            (Shape{-1, 6, 6, 4}));
  const int wrong = g.add_parameter("wrong", Tensor({3}), false);
  expect_error(
      [&] {
        g.add_node(OpType::kBatchNorm, {x, gamma, beta, mean, wrong}, {}, "bn");
      },
      {"'bn'", "moving_variance", "[3]"});
}

TEST(GraphTest, NamesAreUnique) {
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  const int r1 = g.add_node(OpType::kRelu, {x});
  const int r2 = g.add_node(OpType::kRelu, {r1});
  const int d = g.add_node(OpType::kHardSwish, {r2});
  EXPECT_EQ(g.value(r1).name, "relu");
  EXPECT_EQ(g.value(r2).name, "relu_1");
  EXPECT_EQ(g.value(d).name, "hard_swish");
  EXPECT_EQ(g.nodes()[1].name, "relu_1");
  const int p = g.add_parameter("relu", Tensor({1}));
  EXPECT_EQ(g.value(p).name, "relu_2");
  const int named = g.add_node(OpType::kTanh, {x}, {}, "x");
  EXPECT_EQ(g.value(named).name, "x_1");
}

TEST(GraphTest, ParameterCountMacsAndTrainableParameters) {
  // A small CNN: conv 3x3x1->8 SAME on 28x28, max pool 2, dense 1568->10.
  Graph g;
  const int x = g.add_input("x", {-1, 28, 28, 1});
  const int f = g.add_parameter("f", Tensor({8, 3, 3, 1}));
  const int b = g.add_parameter("b", Tensor({8}));
  Attributes conv = conv_attrs(Padding::kSame, 1);
  conv.activation = Activation::kRelu;
  int h = g.add_node(OpType::kConv2D, {x, f, b}, conv);
  const int mean = g.add_parameter("moving", Tensor({8}), false);
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  h = g.add_node(OpType::kMaxPool2D, {h}, pool);
  h = g.add_node(OpType::kAdd, {h, mean});  // state counts as a parameter, not trainable
  const int w = g.add_parameter("w", Tensor({10, 14 * 14 * 8}));
  const int bias = g.add_parameter("bias", Tensor({10}));
  h = g.add_node(OpType::kFullyConnected, {h, w, bias});
  g.set_outputs({h});
  EXPECT_EQ(g.parameter_count(), 8 * 9 + 8 + 8 + 10 * 1568 + 10);
  EXPECT_EQ(g.macs(), 28 * 28 * 8 * 9 + 10 * 1568);
  EXPECT_EQ(g.trainable_parameters(), (std::vector<int>{f, b, w, bias}));
  const int dwf = g.add_parameter("dwf", Tensor({1, 3, 3, 2}));
  const int x2 = g.add_input("x2", {-1, 5, 5, 1});
  g.add_node(OpType::kDepthwiseConv2D, {x2, dwf}, conv_attrs(Padding::kSame, 1));
  EXPECT_EQ(g.macs(), 28 * 28 * 8 * 9 + 10 * 1568 + 5 * 5 * 2 * 9);
}

TEST(GraphTest, InferShapesAfterAPassReplacesWeights) {
  Graph g;
  const int x = g.add_input("x", {-1, 12});
  const int w = g.add_parameter("w", Tensor({5, 12}));
  const int y = g.add_node(OpType::kFullyConnected, {x, w});
  const int z = g.add_node(OpType::kRelu, {y});
  g.value(w).data = Tensor({7, 12});  // a pass widened the layer
  g.infer_shapes();
  EXPECT_EQ(g.value(w).shape, (Shape{7, 12}));
  EXPECT_EQ(g.value(z).shape, (Shape{-1, 7}));
  g.value(w).data = Tensor({7, 11});
  expect_error([&] { g.infer_shapes(); }, {"FullyConnected", "[7,11]"});
}

TEST(GraphTest, OpTypeNames) {
  EXPECT_STREQ(op_type_name(OpType::kDepthwiseConv2D), "DepthwiseConv2D");
  EXPECT_STREQ(op_type_name(OpType::kConcatenation), "Concatenation");
  EXPECT_STREQ(op_type_name(OpType::kMean), "Mean");
}

}  // namespace
}  // namespace tinyforge::graph
