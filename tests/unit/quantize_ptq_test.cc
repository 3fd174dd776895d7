// Post-training quantization: scales and zero points by hand, TFLite's shared and fixed output
// quantization, and a small conv + dense model quantized to int8 and 16x8, written as .tflite and
// run in tinyforge's runtime, agreeing with the float model within a few quantization steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/support/random_tensor.h"
#include "toolkit/host/error.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/quantize/ptq.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/executor.h"

namespace tinyforge::quantize {
namespace {

using graph::Attributes;
using graph::Graph;
using graph::OpType;
using graph::Shape;
using graph::Tensor;

TEST(QuantizeParamsTest, HandComputedScalesAndZeroPoints) {
  // [-1, 3]: scale 4 / 255; zero point round(-128 + 1 / scale) = round(-64.25) = -64.
  QuantParams p = asymmetric_params({-1.0f, 3.0f}, DataType::kInt8);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
  // ReLU6 output [0, 6]: zero at the bottom of the range.
  p = asymmetric_params({0.0f, 6.0f}, DataType::kInt8);
  EXPECT_FLOAT_EQ(p.scale, 6.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
  // An all-negative range is widened to include 0: [-0.5, 0], zero point at the top.
  p = asymmetric_params({-0.5f, -0.1f}, DataType::kInt8);
  EXPECT_FLOAT_EQ(p.scale, 0.5f / 255.0f);
  EXPECT_EQ(p.zero_point, 127);
  // int16 symmetric: the larger magnitude over 32767, zero point 0.
  p = symmetric_params({-2.0f, 1.0f}, DataType::kInt16);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 32767.0f);
  EXPECT_EQ(p.zero_point, 0);
  // Per-channel weights along axis 0: max |w| / 127 per row.
  const graph::Quantization q =
      per_channel_weight_quantization(Tensor({2, 2}, {0.5f, -1.0f, 0.25f, 0.1f}), 0);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(q.scales[1], 0.25f / 127.0f);
  EXPECT_EQ(q.zero_points, (std::vector<int64_t>{0, 0}));
  // Rounding half away from zero, then clamping.
  EXPECT_EQ(quantize_value(0.5f, 1.0f, 0, DataType::kInt8), 1);
  EXPECT_EQ(quantize_value(-0.5f, 1.0f, 0, DataType::kInt8), -1);
  EXPECT_EQ(quantize_value(300.0f, 1.0f, 0, DataType::kInt8), 127);
  EXPECT_EQ(quantize_value(-2.5f, 1.0f, 10, DataType::kInt16), 7);
}

TEST(QuantizeParamsTest, RoundingMatchesTheWritersQuantizeValues) {
  graph::Value v;
  v.shape = {7};
  v.kind = graph::ValueKind::kConstant;
  v.dtype = DataType::kInt8;
  v.data = Tensor({7}, {-1.0f, -0.015f, 0.0f, 0.005f, 0.02f, 0.5f, 2.0f});
  v.quantization.scales = {0.01f};
  v.quantization.zero_points = {3};
  const std::vector<int64_t> written = tflite::quantize_values(v);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(written[i], quantize_value(v.data[i], 0.01f, 3, DataType::kInt8)) << v.data[i];
}

// x [-1, 8, 8, 1] -> conv 4x3x3 SAME ReLU -> max pool 2 -> flatten -> FC 10 -> softmax.
Graph conv_dense_model(std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 8, 8, 1});
  Attributes same;
  same.padding = graph::Padding::kSame;
  same.activation = graph::Activation::kRelu;
  int h = g.add_node(
      OpType::kConv2D,
      {x, g.add_parameter("conv/w", testing::uniform_tensor({4, 3, 3, 1}, rng, -0.5f, 0.5f)),
       g.add_parameter("conv/b", testing::uniform_tensor({4}, rng, -0.1f, 0.1f))},
      same, "conv");
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  h = g.add_node(OpType::kMaxPool2D, {h}, pool, "pool");
  Attributes flat;
  flat.new_shape = {-1, 64};
  h = g.add_node(OpType::kReshape, {h}, flat, "flatten");
  const int logits =
      g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("fc/w", testing::uniform_tensor({10, 64}, rng, -0.3f, 0.3f)),
                  g.add_parameter("fc/b", testing::uniform_tensor({10}, rng, -0.1f, 0.1f))},
                 {}, "fc");
  const int probs = g.add_node(OpType::kSoftmax, {logits}, {}, "softmax");
  g.set_outputs({logits, probs});
  return g;
}

std::vector<Tensor> run_float(Graph& g, const Tensor& x) {
  train::Executor executor(g);
  std::mt19937_64 rng(0);
  return executor.forward({x}, false, rng);
}

// The float graph with every weight replaced by its value on the int8 grid, so what is left of
// the difference to the quantized model is the activations' rounding.
Graph with_rounded_weights(const Graph& quantized) {
  Graph g = quantized;
  for (graph::Value& v : g.values()) {
    if (v.data.empty() || v.quantization.scales.size() < 2) continue;  // per-channel weights
    const std::vector<int64_t> q = tflite::quantize_values(v);
    int64_t inner = 1;
    for (size_t d = v.quantization.axis + 1; d < v.shape.size(); ++d) inner *= v.shape[d];
    const int64_t channels = v.shape[v.quantization.axis];
    for (int64_t i = 0; i < v.data.size(); ++i)
      v.data[i] = static_cast<float>(q[i]) * v.quantization.scales[(i / inner) % channels];
  }
  return g;
}

void check_scheme(Scheme scheme, double steps) {
  std::mt19937_64 rng(11);
  Graph g = prepare_for_export(conv_dense_model(rng));
  const Tensor samples = testing::uniform_tensor({64, 8, 8, 1}, rng, 0.0f, 1.0f);
  const Calibration cal = calibrate(g, batches_of(samples, 0, 16));
  EXPECT_EQ(cal.samples, 64);
  QuantizeOptions options;
  options.scheme = scheme;
  const Graph q = quantize_graph(g, cal, options);
  const DataType act = scheme == Scheme::kInt8 ? DataType::kInt8 : DataType::kInt16;
  for (int id : {q.inputs()[0], q.outputs()[0], q.outputs()[1]}) EXPECT_EQ(q.value(id).dtype, act);

  RuntimeRunner runner(tflite::write_tflite(q, {}), std::string("ptq ") + scheme_name(scheme));
  const std::vector<Tensor> got = runner.run({samples});
  Graph reference = with_rounded_weights(q);
  const std::vector<Tensor> want = run_float(reference, samples);
  const std::vector<Tensor> plain = run_float(g, samples);
  for (int o = 0; o < 2; ++o) {
    const float scale = q.value(q.outputs()[o]).quantization.scales[0];
    double worst = 0.0, worst_plain = 0.0;
    ASSERT_EQ(got[o].size(), want[o].size());
    for (int64_t k = 0; k < got[o].size(); ++k) {
      worst = std::max(worst, std::fabs(static_cast<double>(got[o][k]) - want[o][k]) / scale);
      worst_plain = std::max(worst_plain, std::fabs(static_cast<double>(got[o][k]) - plain[o][k]));
    }
    EXPECT_LE(worst, steps) << "output " << o << " differs by " << worst << " steps";
    // Against the original float weights too: a few hundredths on logits of order one.
    EXPECT_LE(worst_plain, 0.05) << "output " << o;
  }
}

TEST(QuantizePtqTest, Int8ConvDenseRunsInRuntimeWithinFewSteps) {
  check_scheme(Scheme::kInt8, 3.0);
}

TEST(QuantizePtqTest, Int16x8ConvDenseRunsInRuntimeWithinFewSteps) {
  check_scheme(Scheme::kInt16x8, 4.0);
}

TEST(QuantizePtqTest, SharedAndFixedQuantizationAndBiasScales) {
  std::mt19937_64 rng(5);
  Graph g = conv_dense_model(rng);
  const Tensor samples = testing::uniform_tensor({8, 8, 8, 1}, rng, 0.0f, 1.0f);
  const Calibration cal = calibrate(g, batches_of(samples, 0, 8));
  for (Scheme scheme : {Scheme::kInt8, Scheme::kInt16x8}) {
    const Graph q = quantize_graph(g, cal, {scheme});
    auto quant = [&](const std::string& name) -> const graph::Value& {
      for (const graph::Value& v : q.values())
        if (v.name == name) return v;
      throw host::Error("no value " + name);
    };
    // Pool and reshape share the conv output's quantization.
    EXPECT_EQ(quant("pool").quantization.scales, quant("conv").quantization.scales);
    EXPECT_EQ(quant("flatten").quantization.zero_points, quant("conv").quantization.zero_points);
    const graph::Value& softmax = quant("softmax");
    const graph::Value& bias = quant("fc/b");
    const graph::Value& w = quant("fc/w");
    ASSERT_EQ(bias.quantization.scales.size(), 10u);
    for (int c = 0; c < 10; ++c) {
      EXPECT_FLOAT_EQ(bias.quantization.scales[c],
                      quant("flatten").quantization.scales[0] * w.quantization.scales[c]);
    }
    EXPECT_EQ(w.dtype, DataType::kInt8);
    if (scheme == Scheme::kInt8) {
      EXPECT_FLOAT_EQ(softmax.quantization.scales[0], 1.0f / 256.0f);
      EXPECT_EQ(softmax.quantization.zero_points[0], -128);
      EXPECT_EQ(bias.dtype, DataType::kInt32);
    } else {
      EXPECT_FLOAT_EQ(softmax.quantization.scales[0], 1.0f / 32768.0f);
      EXPECT_EQ(softmax.quantization.zero_points[0], 0);
      EXPECT_EQ(bias.dtype, DataType::kInt64);
      EXPECT_EQ(quant("conv").quantization.zero_points[0], 0);
    }
  }
}

TEST(QuantizePtqTest, ConcatenationInputsShareTheOutputsQuantization) {
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  const int a = g.add_node(OpType::kMul, {x, g.add_constant("k", Tensor({4}, 3.0f))}, {}, "big");
  Attributes cat;
  cat.axis = 1;
  g.set_outputs({g.add_node(OpType::kConcatenation, {x, a}, cat, "cat")});
  std::mt19937_64 rng(2);
  const Tensor samples = testing::uniform_tensor({16, 4}, rng, -1.0f, 1.0f);
  const Graph q = quantize_graph(g, calibrate(g, batches_of(samples, 0, 16)));
  const graph::Quantization& out = q.value(q.outputs()[0]).quantization;
  EXPECT_EQ(q.value(q.inputs()[0]).quantization.scales, out.scales);
  EXPECT_EQ(q.value(q.nodes()[0].outputs[0]).quantization.scales, out.scales);
  // The group's range is the union: about [-3, 3] from the Mul.
  EXPECT_NEAR(out.scales[0] * 255.0f, 6.0f, 0.3f);
}

TEST(QuantizePtqTest, RefusesTrainingOps) {
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  Attributes drop;
  drop.rate = 0.1f;
  g.set_outputs({g.add_node(OpType::kDropout, {x}, drop, "drop")});
  std::mt19937_64 rng(2);
  const Tensor samples = testing::uniform_tensor({4, 4}, rng, -1.0f, 1.0f);
  const Calibration cal = calibrate(g, batches_of(samples, 0, 4));
  try {
    quantize_graph(g, cal);
    ADD_FAILURE() << "no error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("prepare_for_export"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinyforge::quantize
