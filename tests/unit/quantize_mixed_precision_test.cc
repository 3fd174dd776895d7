// Mixed precision: on conv -> conv -> fully connected where the second conv has one channel of a
// much wider range (its int8 step is coarse for every channel), that layer is ranked worst and
// chosen first; the greedy choice keeps the arena within the budget; the mixed file has QUANTIZE
// ops at the int8/int16 borders, int8 input and output, runs in our runtime with the int16 layer
// far more accurate than in int8, and the DSP kernels give the reference kernels' bytes for every
// layer output.
#include "toolkit/quantize/mixed_precision.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/litert.h"
#include "tests/support/random_tensor.h"
#include "tests/support/run_model.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/quantize/ptq.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using graph::Tensor;

Graph stack(std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 8, 8, 2});
  graph::Attributes same;
  same.padding = graph::Padding::kSame;
  same.activation = graph::Activation::kRelu;
  const int c1 =
      g.add_node(OpType::kConv2D,
                 {x, g.add_parameter("w1", testing::uniform_tensor({8, 3, 3, 2}, rng, -0.5f, 0.5f)),
                  g.add_parameter("b1", testing::uniform_tensor({8}, rng, 0.0f, 0.1f))},
                 same, "conv1");
  Tensor b2 = testing::uniform_tensor({8}, rng, 0.0f, 0.1f);
  b2[0] = 60.0f;  // one channel far wider than the others
  graph::Attributes plain = same;
  plain.activation = graph::Activation::kNone;
  const int c2 = g.add_node(
      OpType::kConv2D,
      {c1, g.add_parameter("w2", testing::uniform_tensor({8, 3, 3, 8}, rng, -0.3f, 0.3f)),
       g.add_parameter("b2", b2)},
      plain, "conv2");
  graph::Attributes flat;
  flat.new_shape = {-1, 8 * 8 * 8};
  const int f = g.add_node(OpType::kReshape, {c2}, flat, "flatten");
  Tensor w3 = testing::uniform_tensor({4, 512}, rng, -0.05f, 0.05f);
  for (int64_t i = 0; i < w3.size(); i += 8) w3[i] = 0.0f;  // ignores the wide channel
  const int fc =
      g.add_node(OpType::kFullyConnected,
                 {f, g.add_parameter("w3", w3), g.add_parameter("b3", Tensor({4}))}, {}, "fc");
  g.set_outputs({fc});
  return g;
}

struct Fixture {
  Graph g, int8, wide;
  Tensor samples;  // the batches read it
  BatchProvider batches;
};

// In place: the batches refer to the samples.
void fill(Fixture& f) {
  std::mt19937_64 rng(11);
  f.g = stack(rng);
  f.samples = testing::uniform_tensor({64, 8, 8, 2}, rng, 0.0f, 1.0f);
  f.batches = batches_of(f.samples, 0, 32);
  f.int8 = quantize_graph(f.g, calibrate(f.g, f.batches), {Scheme::kInt8});
  CalibrationOptions wide;
  wide.activation_dtype = DataType::kInt16;
  f.wide = quantize_graph(f.g, calibrate(f.g, f.batches, wide), {Scheme::kInt16x8});
}

Footprint footprint(const Graph& q) {
  const std::vector<uint8_t> bytes = tflite::write_tflite(q, {});
  const host::ModelFile file(bytes.data(), bytes.size(), "mixed");
  return {host::device_arena(file.model(), KernelSet::kReference).bytes, bytes.size()};
}

const LayerError& layer(const ErrorReport& r, const std::string& name) {
  for (const LayerError& l : r.layers)
    if (l.name == name) return l;
  throw std::runtime_error("no layer " + name);
}

TEST(QuantizeMixedPrecision, ChoosesTheWorstLayerWithinTheArenaBudget) {
  Fixture f;
  fill(f);
  const std::vector<Candidate> ranked = rank_candidates(f.g, f.int8, f.wide, f.batches);
  ASSERT_EQ(ranked.size(), 3u);
  // conv2's output (read by fc) is the tensor int8 represents worst.
  EXPECT_EQ(ranked[0].name, "conv2");
  EXPECT_EQ(ranked[0].layers, std::set<std::string>({"conv2", "fc"}));
  EXPECT_GT(ranked[0].noise_reduction, 2 * ranked[1].noise_reduction);

  const auto measure = [&](const std::set<std::string>& layers) {
    return footprint(mix_precision(f.g, f.int8, f.wide, layers).quantized);
  };
  const Footprint int8 = measure({});
  const Footprint worst = measure(ranked[0].layers);
  const Footprint all = measure({"conv1", "conv2", "fc"});
  ASSERT_GT(all.arena_bytes, worst.arena_bytes);
  ASSERT_GT(worst.arena_bytes, int8.arena_bytes);

  MixedPrecisionBudget budget;
  budget.max_arena_bytes = worst.arena_bytes;
  const MixedPrecisionPlan plan = choose_mixed_precision(ranked, budget, measure);
  EXPECT_EQ(plan.int16_layers, ranked[0].layers);
  EXPECT_LE(plan.footprint.arena_bytes, budget.max_arena_bytes);
  EXPECT_EQ(plan.footprint.arena_bytes, worst.arena_bytes);
  ASSERT_EQ(plan.choices.size(), 3u);
  EXPECT_EQ(plan.choices[0].reason, "chosen");
  for (size_t i = 1; i < plan.choices.size(); ++i) {
    const LayerChoice& c = plan.choices[i];
    EXPECT_FALSE(c.int16);
    if (c.reason == "over the arena budget")
      EXPECT_GT(c.footprint.arena_bytes, budget.max_arena_bytes) << c.candidate.name;
    else
      EXPECT_TRUE(c.reason == "no gain" || c.reason == "already int16") << c.reason;
  }
  // A layer limit of 1 cannot take a pair.
  MixedPrecisionBudget one;
  one.max_layers = 1;
  EXPECT_EQ(choose_mixed_precision(ranked, one, measure).choices.at(0).reason, "layer limit");
  EXPECT_EQ(mixed_precision_json(plan).at("int16_layers").get<int>(), 2);
}

TEST(QuantizeMixedPrecision, WritesARunnableModelWithInt16WhereChosen) {
  Fixture f;
  fill(f);
  MixedGraphs mixed = mix_precision(f.g, f.int8, f.wide, {"conv2", "fc"});
  const Graph& q = mixed.quantized;
  int quantize_ops = 0;
  for (const graph::Node& n : q.nodes()) quantize_ops += n.type == OpType::kQuantize;
  EXPECT_EQ(quantize_ops, 2);  // conv1's int8 output into conv2, and fc's back to int8
  const auto value_named = [&](const std::string& name) -> const graph::Value& {
    for (const graph::Value& v : q.values())
      if (v.name == name) return v;
    throw std::runtime_error("no value " + name);
  };
  EXPECT_EQ(value_named("conv1").dtype, DataType::kInt8);
  EXPECT_EQ(value_named("conv2").dtype, DataType::kInt16);
  EXPECT_EQ(value_named("flatten").dtype, DataType::kInt16);  // follows its input
  EXPECT_EQ(value_named("fc/int16").dtype, DataType::kInt16);
  EXPECT_EQ(value_named("fc").dtype, DataType::kInt8);
  EXPECT_EQ(q.value(q.inputs()[0]).dtype, DataType::kInt8);
  EXPECT_EQ(q.value(q.outputs()[0]).name, "fc");
  EXPECT_EQ(q.value(q.outputs()[0]).dtype, DataType::kInt8);
  EXPECT_EQ(value_named("b2").dtype, DataType::kInt64);  // conv2's bias

  // In our runtime: conv2 in int16 is far closer to the float graph than in int8.
  const ErrorReport before = quantization_error_report(f.g, f.int8, f.batches);
  const ErrorReport after = quantization_error_report(mixed.float_graph, q, f.batches);
  EXPECT_LT(layer(after, "conv2").rmse, layer(before, "conv2").rmse * 0.1);
  EXPECT_LT(layer(after, "fc").rmse, layer(before, "fc").rmse * 0.5);

  // Every layer output, int8 and int16, is the same with the DSP kernels as with the reference.
  tflite::WriteOptions all;
  for (const graph::Node& n : q.nodes())
    if (n.outputs[0] != q.outputs()[0]) all.extra_outputs.push_back(n.outputs[0]);
  const std::vector<uint8_t> model = tflite::write_tflite(q, all);
  std::mt19937_64 rng(5);
  std::vector<uint8_t> input(8 * 8 * 2);
  for (uint8_t& b : input) b = static_cast<uint8_t>(rng());
  const testing::RunResult reference = testing::run_model(model, {input}, 1, KernelSet::kReference);
  const testing::RunResult dsp = testing::run_model(model, {input}, 1, KernelSet::kArmDsp);
  ASSERT_EQ(reference.status, Status::kOk) << reference.message;
  ASSERT_EQ(dsp.status, Status::kOk) << dsp.message;
  ASSERT_EQ(reference.outputs.size(), all.extra_outputs.size() + 1);
  EXPECT_EQ(reference.outputs, dsp.outputs);
}

// LiteRT.js (a TFLite we did not write) runs the mixed file, QUANTIZE int8 <-> int16 included,
// and agrees with our runtime within a step.
TEST(QuantizeMixedPrecision, LiteRtAgreesWithOurRuntime) {
  TINYFORGE_REQUIRE_LITERT();
  Fixture f;
  fill(f);
  const std::vector<uint8_t> model =
      tflite::write_tflite(mix_precision(f.g, f.int8, f.wide, {"conv2", "fc"}).quantized, {});
  constexpr size_t kSamples = 16;
  std::mt19937_64 rng(9);
  std::vector<uint8_t> inputs(kSamples * 8 * 8 * 2);
  for (uint8_t& b : inputs) b = static_cast<uint8_t>(rng());
  const testing::LiteRtResult lite = testing::run_litert(model, {inputs}, kSamples);
  ASSERT_TRUE(lite.ok()) << lite.error;
  ASSERT_EQ(lite.outputs.size(), 1u);
  EXPECT_EQ(lite.outputs[0].dtype, "int8");
  for (size_t k = 0; k < kSamples; ++k) {
    const std::vector<uint8_t> one(inputs.begin() + k * 128, inputs.begin() + (k + 1) * 128);
    const testing::RunResult ours = testing::run_model(model, {one});
    ASSERT_EQ(ours.status, Status::kOk) << ours.message;
    EXPECT_LE(testing::step_diff<int8_t>(lite.outputs[0].sample(k), ours.outputs.at(0)).max_steps,
              1)
        << "sample " << k;
  }
}

TEST(QuantizeMixedPrecision, RefusesANameThatIsNoWeightedLayer) {
  Fixture f;
  fill(f);
  EXPECT_THROW(mix_precision(f.g, f.int8, f.wide, {"flatten"}), host::Error);
}

}  // namespace
}  // namespace tinyforge::quantize
