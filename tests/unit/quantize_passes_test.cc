// Export passes on small hand-built graphs: the ops they remove are gone and the float outputs
// (train::Executor, inference mode) are unchanged within 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/support/random_tensor.h"
#include "toolkit/graph/graph.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/train/executor.h"

namespace tinyforge::quantize {
namespace {

using graph::Activation;
using graph::Attributes;
using graph::Graph;
using graph::OpType;
using graph::Shape;
using graph::Tensor;

// gamma, beta, mean, variance for `c` channels: variance in [0.5, 2], the rest random.
int add_batch_norm(Graph& g, int x, int64_t c, std::mt19937_64& rng, const std::string& name) {
  const int gamma = g.add_parameter(name + "/gamma", testing::uniform_tensor({c}, rng, 0.5f, 1.5f));
  const int beta = g.add_parameter(name + "/beta", testing::uniform_tensor({c}, rng));
  const int mean = g.add_parameter(name + "/mean", testing::uniform_tensor({c}, rng), false);
  const int var =
      g.add_parameter(name + "/var", testing::uniform_tensor({c}, rng, 0.5f, 2.0f), false);
  Attributes a;
  a.epsilon = 1e-3f;
  return g.add_node(OpType::kBatchNorm, {x, gamma, beta, mean, var}, a, name);
}

std::vector<Tensor> run(Graph& g, const Tensor& input) {
  train::Executor executor(g);
  std::mt19937_64 rng(1);
  return executor.forward({input}, false, rng);
}

void expect_close(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape());
    for (int64_t k = 0; k < a[i].size(); ++k)
      EXPECT_NEAR(a[i][k], b[i][k], 1e-5f * std::max(1.0f, std::fabs(a[i][k]))) << "at " << k;
  }
}

int count(const Graph& g, OpType type) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(),
                                        [type](const graph::Node& n) { return n.type == type; }));
}

// conv (no bias) -> BN -> ReLU -> Dropout -> depthwise -> BN -> ReLU6 -> reshape -> FC -> BN
// -> ReLU -> FC, plus a pool -> BN that has nothing to fold into, and a constant Add.
Graph build_network(std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 6, 6, 2});
  Attributes same;
  same.padding = graph::Padding::kSame;
  int h = g.add_node(OpType::kConv2D,
                     {x, g.add_parameter("conv/w", testing::uniform_tensor({4, 3, 3, 2}, rng))},
                     same, "conv");
  h = add_batch_norm(g, h, 4, rng, "bn1");
  h = g.add_node(OpType::kRelu, {h}, {}, "relu1");
  Attributes drop;
  drop.rate = 0.5f;
  h = g.add_node(OpType::kDropout, {h}, drop, "dropout");
  h = g.add_node(OpType::kDepthwiseConv2D,
                 {h, g.add_parameter("dw/w", testing::uniform_tensor({1, 3, 3, 4}, rng)),
                  g.add_parameter("dw/b", testing::uniform_tensor({4}, rng))},
                 same, "dw");
  h = add_batch_norm(g, h, 4, rng, "bn2");
  h = g.add_node(OpType::kRelu6, {h}, {}, "relu6");
  Attributes pool;
  pool.filter_h = pool.filter_w = 2;
  pool.stride_h = pool.stride_w = 2;
  h = g.add_node(OpType::kMaxPool2D, {h}, pool, "pool");
  h = add_batch_norm(g, h, 4, rng, "bn_after_pool");  // cannot fold: becomes Mul + Add
  Attributes flat;
  flat.new_shape = {-1, 36};
  h = g.add_node(OpType::kReshape, {h}, flat, "flatten");
  h = g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("fc1/w", testing::uniform_tensor({5, 36}, rng)),
                  g.add_parameter("fc1/b", testing::uniform_tensor({5}, rng))},
                 {}, "fc1");
  h = add_batch_norm(g, h, 5, rng, "bn3");
  h = g.add_node(OpType::kRelu, {h}, {}, "relu3");
  // A constant subgraph: two constants added once at export, then added to the activations.
  const int c = g.add_node(OpType::kAdd,
                           {g.add_constant("c1", testing::uniform_tensor({5}, rng)),
                            g.add_constant("c2", testing::uniform_tensor({5}, rng))},
                           {}, "const_add");
  h = g.add_node(OpType::kAdd, {h, c}, {}, "offset");
  h = g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("fc2/w", testing::uniform_tensor({3, 5}, rng))}, {}, "fc2");
  g.set_outputs({h});
  return g;
}

TEST(QuantizePassesTest, PrepareForExportKeepsOutputs) {
  std::mt19937_64 rng(7);
  Graph g = build_network(rng);
  const Tensor input = testing::uniform_tensor({3, 6, 6, 2}, rng, -2.0f, 2.0f);
  const std::vector<Tensor> before = run(g, input);
  Graph prepared = prepare_for_export(g);
  expect_close(before, run(prepared, input));
  EXPECT_EQ(count(prepared, OpType::kBatchNorm), 0);
  EXPECT_EQ(count(prepared, OpType::kDropout), 0);
  EXPECT_EQ(count(prepared, OpType::kRelu), 0);
  EXPECT_EQ(count(prepared, OpType::kRelu6), 0);
  // conv, dw, fc1, fc2; pool, its BN as Mul + Add, flatten, offset: nothing else.
  EXPECT_EQ(count(prepared, OpType::kConv2D), 1);
  EXPECT_EQ(count(prepared, OpType::kMul), 1);
  EXPECT_EQ(count(prepared, OpType::kAdd), 2);
  EXPECT_EQ(static_cast<int>(prepared.nodes().size()), 9);
  for (const graph::Node& n : prepared.nodes()) {
    if (n.name == "conv" || n.name == "fc1")
      EXPECT_EQ(n.attrs.activation, Activation::kRelu) << n.name;
    if (n.name == "dw") EXPECT_EQ(n.attrs.activation, Activation::kRelu6);
    if (n.name == "conv") EXPECT_EQ(n.inputs.size(), 3u) << "folding adds the bias";
  }
  // No BatchNorm statistics or folded-away weights are left behind.
  for (const graph::Value& v : prepared.values()) {
    EXPECT_EQ(v.name.find("/gamma"), std::string::npos) << v.name;
    EXPECT_NE(v.name, "conv/w") << "the unfolded weights were replaced";
  }
  prepare_for_export_in_place(g);
  EXPECT_EQ(g.nodes().size(), prepared.nodes().size());
}

TEST(QuantizePassesTest, FoldBatchNormMatchesTheFormula) {
  // One FC with one unit and one input: w' = w * s, b' = (b - mean) * s + beta.
  Graph g;
  const int x = g.add_input("x", {-1, 1});
  const int w = g.add_parameter("w", Tensor({1, 1}, {2.0f}));
  const int b = g.add_parameter("b", Tensor({1}, {0.5f}));
  const int fc = g.add_node(OpType::kFullyConnected, {x, w, b}, {}, "fc");
  Attributes a;
  a.epsilon = 0.0f;
  const int bn = g.add_node(
      OpType::kBatchNorm,
      {fc, g.add_parameter("g", Tensor({1}, {3.0f})), g.add_parameter("beta", Tensor({1}, {1.0f})),
       g.add_parameter("m", Tensor({1}, {0.25f}), false),
       g.add_parameter("v", Tensor({1}, {4.0f}), false)},
      a, "bn");
  g.set_outputs({bn});
  const Graph folded = fold_batch_norm(g);
  ASSERT_EQ(folded.nodes().size(), 1u);
  const graph::Node& n = folded.nodes()[0];
  EXPECT_FLOAT_EQ(folded.value(n.inputs[1]).data[0], 2.0f * 1.5f);
  EXPECT_FLOAT_EQ(folded.value(n.inputs[2]).data[0], (0.5f - 0.25f) * 1.5f + 1.0f);
}

TEST(QuantizePassesTest, NoFoldWhenTheOutputHasAnotherConsumer) {
  std::mt19937_64 rng(3);
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  const int fc =
      g.add_node(OpType::kFullyConnected,
                 {x, g.add_parameter("w", testing::uniform_tensor({3, 4}, rng))}, {}, "fc");
  const int bn = add_batch_norm(g, fc, 3, rng, "bn");
  const int relu = g.add_node(OpType::kRelu, {fc}, {}, "relu");  // also reads fc
  g.set_outputs({bn, relu});
  const Tensor input = testing::uniform_tensor({2, 4}, rng);
  const std::vector<Tensor> before = run(g, input);
  Graph prepared = prepare_for_export(g);
  expect_close(before, run(prepared, input));
  EXPECT_EQ(count(prepared, OpType::kBatchNorm), 0);
  EXPECT_EQ(count(prepared, OpType::kMul), 1) << "the BatchNorm became Mul + Add";
  EXPECT_EQ(count(prepared, OpType::kRelu), 1) << "not fused: fc has two consumers";
  for (const graph::Node& n : prepared.nodes())
    if (n.type == OpType::kFullyConnected) EXPECT_EQ(n.attrs.activation, Activation::kNone);
}

TEST(QuantizePassesTest, FoldConstantsAndDropDropout) {
  Graph g;
  const int x = g.add_input("x", {-1, 2});
  const int c = g.add_node(OpType::kMul,
                           {g.add_constant("a", Tensor({2}, {2.0f, 3.0f})),
                            g.add_constant("b", Tensor({2}, {0.5f, -1.0f}))},
                           {}, "scale");
  Attributes drop;
  drop.rate = 0.3f;
  const int d = g.add_node(OpType::kDropout, {x}, drop, "drop");
  g.set_outputs({g.add_node(OpType::kMul, {d, c}, {}, "out")});
  const Graph folded = drop_dropout(fold_constants(g));
  ASSERT_EQ(folded.nodes().size(), 1u);
  const graph::Value& k = folded.value(folded.nodes()[0].inputs[1]);
  EXPECT_EQ(k.kind, graph::ValueKind::kConstant);
  EXPECT_EQ(k.data.values(), (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(folded.nodes()[0].inputs[0], folded.inputs()[0]);
}

}  // namespace
}  // namespace tinyforge::quantize
