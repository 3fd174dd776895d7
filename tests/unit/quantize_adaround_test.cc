// AdaRound: on a small conv -> depthwise -> fully connected stack, learned rounding reconstructs
// every layer's output better than rounding to nearest (measured by the report and again in the
// runtime), moves no weight by more than one step from its float value, keeps the weights on
// their int8 grid, and gives the same weights for the same seed.
#include "toolkit/quantize/adaround.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/support/random_tensor.h"
#include "toolkit/quantize/error_report.h"
#include "toolkit/quantize/ptq.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using graph::Tensor;

Graph small_stack(std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 6, 6, 3});
  graph::Attributes same;
  same.padding = graph::Padding::kSame;
  same.activation = graph::Activation::kRelu;
  const int conv =
      g.add_node(OpType::kConv2D,
                 {x, g.add_parameter("w1", testing::uniform_tensor({8, 3, 3, 3}, rng, -0.5f, 0.5f)),
                  g.add_parameter("b1", testing::uniform_tensor({8}, rng, 0.0f, 0.2f))},
                 same, "conv");
  const int dw = g.add_node(
      OpType::kDepthwiseConv2D,
      {conv, g.add_parameter("w2", testing::uniform_tensor({1, 3, 3, 8}, rng, -0.5f, 0.5f)),
       g.add_parameter("b2", testing::uniform_tensor({8}, rng, 0.0f, 0.2f))},
      same, "depthwise");
  graph::Attributes flat;
  flat.new_shape = {-1, 6 * 6 * 8};
  const int f = g.add_node(OpType::kReshape, {dw}, flat, "flatten");
  const int fc =
      g.add_node(OpType::kFullyConnected,
                 {f, g.add_parameter("w3", testing::uniform_tensor({5, 288}, rng, -0.1f, 0.1f)),
                  g.add_parameter("b3", testing::uniform_tensor({5}, rng, -0.1f, 0.1f))},
                 {}, "fc");
  g.set_outputs({fc});
  return g;
}

struct Fixture {
  Graph g;
  Tensor samples;
  BatchProvider batches;
  Graph nearest;
};

// In place: the batches refer to the samples.
void fill(Fixture& f) {
  std::mt19937_64 rng(7);
  f.g = small_stack(rng);
  f.samples = testing::uniform_tensor({128, 6, 6, 3}, rng, 0.0f, 1.0f);
  f.batches = batches_of(f.samples, 0, 32);
  f.nearest = quantize_graph(f.g, calibrate(f.g, f.batches), {Scheme::kInt8});
}

AdaRoundOptions quick() {
  AdaRoundOptions o;
  o.samples = 128;
  o.iterations = 300;
  o.seed = 3;
  return o;
}

const Tensor& weights_of(const Graph& g, const std::string& layer) {
  for (const graph::Node& n : g.nodes())
    if (n.name == layer) return g.value(n.inputs.at(1)).data;
  throw std::runtime_error("no layer " + layer);
}

TEST(QuantizeAdaRound, ReconstructsLayersBetterThanNearestWithinOneStep) {
  Fixture f;
  fill(f);
  Graph learned = f.nearest;
  const std::vector<AdaRoundLayer> report = adaround(f.g, learned, f.samples, quick());
  ASSERT_EQ(report.size(), 3u);
  for (const AdaRoundLayer& l : report) {
    SCOPED_TRACE(l.name);
    EXPECT_TRUE(l.learned);
    EXPECT_GT(l.changed, 0);
    EXPECT_LT(l.rmse_steps, l.rmse_nearest_steps * 0.95);
  }
  EXPECT_EQ(report[1].op, "DepthwiseConv2D");

  // Every weight is an integer number of its channel's steps, at most one step from float.
  for (const graph::Node& n : learned.nodes()) {
    if (n.inputs.size() < 2 || n.type == OpType::kReshape) continue;
    const graph::Value& w = learned.value(n.inputs[1]);
    const Tensor& original = f.g.value(n.inputs[1]).data;
    const graph::Quantization& q = w.quantization;
    const int64_t channels = w.data.dim(q.axis);
    int64_t inner = 1;
    for (int d = q.axis + 1; d < w.data.rank(); ++d) inner *= w.data.dim(d);
    for (int64_t i = 0; i < w.data.size(); ++i) {
      const double s = q.scales.at(static_cast<size_t>((i / inner) % channels));
      const double steps = w.data[i] / s;
      ASSERT_NEAR(steps, std::round(steps), 1e-3) << n.name << " weight " << i;
      ASSERT_LT(std::fabs(steps - original[i] / s), 1.0 + 1e-4) << n.name << " weight " << i;
      ASSERT_LE(std::fabs(steps), 127.0 + 1e-3);
    }
  }

  // In the runtime too (the written int8 file): the final output is closer to the float model's.
  const ErrorReport before = quantization_error_report(f.g, f.nearest, f.batches);
  const ErrorReport after = quantization_error_report(f.g, learned, f.batches);
  EXPECT_LT(after.layers.back().rmse, before.layers.back().rmse);
  const nlohmann::json j = adaround_json(report);
  EXPECT_EQ(j.at(2).at("name").get<std::string>(), "fc");
  EXPECT_TRUE(j.at(0).contains("rmse_nearest_steps"));
}

TEST(QuantizeAdaRound, SameSeedSameWeights) {
  Fixture f;
  fill(f);
  Graph a = f.nearest, b = f.nearest;
  AdaRoundOptions o = quick();
  o.iterations = 100;
  adaround(f.g, a, f.samples, o);
  adaround(f.g, b, f.samples, o);
  for (const char* layer : {"conv", "depthwise", "fc"}) {
    const Tensor& wa = weights_of(a, layer);
    const Tensor& wb = weights_of(b, layer);
    ASSERT_EQ(wa.size(), wb.size());
    for (int64_t i = 0; i < wa.size(); ++i) ASSERT_EQ(wa[i], wb[i]) << layer << " weight " << i;
  }
}

}  // namespace
}  // namespace tinyforge::quantize
