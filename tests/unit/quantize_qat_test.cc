// QAT: the fake-quantized float graph computes what the converted int8 model computes in our
// runtime (within one output step), before and after a few fine-tuning steps; the straight-through
// estimator passes gradients only inside the range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/support/random_tensor.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/quantize/qat.h"
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

Graph tiny_model(std::mt19937_64& rng) {
  Graph g;
  const int x = g.add_input("x", {-1, 6, 6, 1});
  Attributes same;
  same.padding = graph::Padding::kSame;
  int h = g.add_node(
      OpType::kConv2D,
      {x, g.add_parameter("conv/w", testing::uniform_tensor({3, 3, 3, 1}, rng, -0.6f, 0.6f)),
       g.add_parameter("conv/b", testing::uniform_tensor({3}, rng, -0.1f, 0.1f))},
      same, "conv");
  h = g.add_node(OpType::kRelu, {h}, {}, "relu");
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  h = g.add_node(OpType::kMaxPool2D, {h}, pool, "pool");
  Attributes flat;
  flat.new_shape = {-1, 27};
  h = g.add_node(OpType::kReshape, {h}, flat, "flatten");
  h = g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("fc/w", testing::uniform_tensor({4, 27}, rng, -0.4f, 0.4f)),
                  g.add_parameter("fc/b", testing::uniform_tensor({4}, rng, -0.1f, 0.1f))},
                 {}, "fc");
  g.set_outputs({h});
  return prepare_for_export(g);
}

// Largest |QAT output - runtime output| in output quantization steps.
double steps_apart(Graph& qat, const Tensor& samples) {
  train::Executor executor(qat);
  std::mt19937_64 rng(0);
  const Tensor simulated = executor.forward({samples}, false, rng)[0];
  const Graph q = convert_qat(qat);
  RuntimeRunner runner(tflite::write_tflite(q, {}), "qat");
  const Tensor device = runner.run({samples})[0];
  const float scale = q.value(q.outputs()[0]).quantization.scales[0];
  double worst = 0.0;
  for (int64_t i = 0; i < device.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(simulated[i]) - device[i]) / scale);
  return worst;
}

TEST(QuantizeQatTest, ForwardMatchesRuntimeInt8WithinOneStep) {
  std::mt19937_64 rng(21);
  Graph g = tiny_model(rng);
  const Tensor samples = testing::uniform_tensor({32, 6, 6, 1}, rng, 0.0f, 1.0f);
  const Calibration cal = calibrate(g, batches_of(samples, 0, 32));
  QatOptions options;
  options.initial_ranges = &cal;
  Graph qat = insert_fake_quant(g, options);
  int fake_quants = 0;
  for (const graph::Node& n : qat.nodes()) fake_quants += n.type == OpType::kFakeQuant;
  EXPECT_EQ(fake_quants, 5) << "input, conv weights + output, fc weights + output";
  EXPECT_LE(steps_apart(qat, samples), 1.0);
}

TEST(QuantizeQatTest, FineTuningUpdatesRangesAndStillMatchesRuntime) {
  std::mt19937_64 rng(22);
  Graph g = tiny_model(rng);
  const Tensor samples = testing::uniform_tensor({32, 6, 6, 1}, rng, 0.0f, 1.0f);
  Graph qat = insert_fake_quant(g);  // ranges from the first batch
  const Tensor target = testing::uniform_tensor({32, 4}, rng, -1.0f, 1.0f);
  train::Executor executor(qat);
  std::mt19937_64 drng(0);
  double first_loss = 0.0, loss = 0.0;
  for (int step = 0; step < 30; ++step) {
    const Tensor y = executor.forward({samples}, true, drng)[0];
    Tensor grad(y.shape());
    loss = 0.0;
    for (int64_t i = 0; i < y.size(); ++i) {
      grad[i] = (y[i] - target[i]) / static_cast<float>(y.size());
      loss += 0.5 * (y[i] - target[i]) * (y[i] - target[i]);
    }
    if (step == 0) first_loss = loss;
    executor.backward({grad});
    for (int id : qat.trainable_parameters()) {
      Tensor& w = qat.value(id).data;
      const Tensor& dw = executor.gradient(id);
      for (int64_t i = 0; i < w.size(); ++i) w[i] -= 0.5f * dw[i];
    }
  }
  EXPECT_LT(loss, first_loss) << "gradients flow through the fake quantization";
  bool ranges_set = true;
  for (const graph::Value& v : qat.values())
    if (v.name.ends_with("/fq_range")) ranges_set = ranges_set && v.data[1] > v.data[0];
  EXPECT_TRUE(ranges_set);
  EXPECT_LE(steps_apart(qat, samples), 1.0);
}

TEST(QuantizeQatTest, StraightThroughEstimatorMasksClippedValues) {
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  const int range = g.add_parameter("range", Tensor({2}, {-1.0f, 1.0f}), false);
  Attributes a;
  a.momentum = 1.0f;  // frozen
  g.set_outputs({g.add_node(OpType::kFakeQuant, {x, range}, a, "fq")});
  train::Executor executor(g);
  executor.set_input_gradients(true);
  std::mt19937_64 rng(0);
  const Tensor y = executor.forward({Tensor({1, 4}, {-3.0f, -0.3f, 0.004f, 2.0f})}, true, rng)[0];
  // Inside the range: rounded to the grid of [-1, 1]; outside: clipped to its end.
  const QuantParams p = asymmetric_params({-1.0f, 1.0f}, DataType::kInt8);
  EXPECT_FLOAT_EQ(
      y[1], dequantize_value(quantize_value(-0.3f, p.scale, p.zero_point, DataType::kInt8), p.scale,
                             p.zero_point));
  EXPECT_FLOAT_EQ(y[0], dequantize_value(-128, p.scale, p.zero_point));  // clipped
  executor.backward({Tensor({1, 4}, 1.0f)});
  const Tensor& dx = executor.gradient(g.inputs()[0]);
  EXPECT_EQ(dx.values(), (std::vector<float>{0.0f, 1.0f, 1.0f, 0.0f}));
}

}  // namespace
}  // namespace tinyforge::quantize
