// Cross-layer equalization: the float function is unchanged, both layers of a pair end with equal
// per-channel weight ranges, and pairs it must not touch (ReLU6 between them, a first layer read
// twice) are left alone.
#include "toolkit/quantize/cross_layer_equalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "toolkit/train/executor.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using graph::Tensor;

Tensor random(graph::Shape s, std::mt19937_64& rng, float scale_per_last_axis_step = 0.0f) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  Tensor t(s);
  const int64_t last = s.back();
  for (int64_t i = 0; i < t.size(); ++i)
    t[i] = d(rng) * (1.0f + scale_per_last_axis_step * static_cast<float>(i % last));
  return t;
}

// conv (3x3, 4 -> 6 channels, output channels of very different ranges) -> activation ->
// depthwise 3x3 over the 6 channels. The scales it takes stay within the equalization's bound.
Graph conv_then_depthwise(graph::Activation between, std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 8, 8, 4});
  Tensor w1({6, 3, 3, 4});
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (int64_t i = 0; i < w1.size(); ++i)
    w1[i] = d(rng) * std::pow(1.5f, static_cast<float>(i / 36));
  graph::Attributes conv;
  conv.padding = graph::Padding::kSame;
  conv.activation = between;
  const int h = g.add_node(OpType::kConv2D,
                           {x, g.add_parameter("w1", w1), g.add_parameter("b1", random({6}, rng))},
                           conv, "conv");
  graph::Attributes dw;
  dw.padding = graph::Padding::kSame;
  const int y = g.add_node(OpType::kDepthwiseConv2D,
                           {h, g.add_parameter("w2", random({1, 3, 3, 6}, rng)),
                            g.add_parameter("b2", random({6}, rng))},
                           dw, "depthwise");
  g.set_outputs({y});
  return g;
}

Tensor run(Graph& g, const Tensor& x) {
  train::Executor e(g);
  std::mt19937_64 rng(0);
  return e.forward({x}, false, rng).at(0);
}

TEST(QuantizeEqualization, KeepsTheFunctionAndEqualizesRanges) {
  std::mt19937_64 rng(5);
  Graph g = conv_then_depthwise(graph::Activation::kRelu, rng);
  const Tensor x = random({2, 8, 8, 4}, rng);
  const Tensor before = run(g, x);
  const std::vector<EqualizedPair> pairs = equalize_cross_layer(g);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].first, "conv");
  EXPECT_EQ(pairs[0].second, "depthwise");
  EXPECT_EQ(pairs[0].channels, 6);
  EXPECT_GT(pairs[0].range_spread_before, 4.0);  // ~1.5^5 between the extreme channels
  EXPECT_LT(pairs[0].range_spread_after, pairs[0].range_spread_before / 2);
  const Tensor after = run(g, x);
  ASSERT_EQ(after.size(), before.size());
  for (int64_t i = 0; i < after.size(); ++i)
    ASSERT_NEAR(after[i], before[i], 1e-3f * (1.0f + std::fabs(before[i]))) << i;
  // Per channel, the conv's output range equals the depthwise's input range.
  const Tensor& w1 = g.value(g.nodes()[0].inputs[1]).data;
  const Tensor& w2 = g.value(g.nodes()[1].inputs[1]).data;
  for (int c = 0; c < 6; ++c) {
    float r1 = 0, r2 = 0;
    for (int k = 0; k < 36; ++k) r1 = std::max(r1, std::fabs(w1[c * 36 + k]));
    for (int k = 0; k < 9; ++k) r2 = std::max(r2, std::fabs(w2[k * 6 + c]));
    EXPECT_NEAR(r1, r2, 1e-4f * r1) << "channel " << c;
  }
}

TEST(QuantizeEqualization, LeavesClippedPairsAlone) {
  std::mt19937_64 rng(6);
  Graph g = conv_then_depthwise(graph::Activation::kRelu6, rng);
  const Tensor w1 = g.value(g.nodes()[0].inputs[1]).data;
  EXPECT_TRUE(equalize_cross_layer(g).empty());
  const Tensor& now = g.value(g.nodes()[0].inputs[1]).data;
  for (int64_t i = 0; i < w1.size(); ++i) ASSERT_EQ(now[i], w1[i]);
}

}  // namespace
}  // namespace tinyforge::quantize
