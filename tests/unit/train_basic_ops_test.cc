// Basic training kernels: forward values against hand computations, every backward against
// finite differences (toolkit/train/gradient_check.h), and the executor's gradient bookkeeping
// (sums over consumers, only trainable parameters, nothing for frozen branches).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "toolkit/graph/graph.h"
#include "toolkit/host/error.h"
#include "toolkit/train/executor.h"
#include "toolkit/train/gradient_check.h"

namespace tinyforge::train {
namespace {

using graph::Attributes;
using graph::Graph;
using graph::OpType;
using graph::Shape;
using graph::Tensor;

// Values with |x| in [margin, 1] and random sign: away from the kinks of ReLU-like functions, so
// central differences with a step of 1e-2 see a smooth function.
Tensor random_tensor(Shape shape, uint64_t seed, float margin = 0.05f, float scale = 1.0f) {
  Tensor t(std::move(shape));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> magnitude(margin, 1.0f);
  std::bernoulli_distribution sign(0.5);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = scale * (sign(rng) ? 1.0f : -1.0f) * magnitude(rng);
  return t;
}

// Runs a one-output graph forward (inference) on one input.
Tensor run(Graph& g, const Tensor& x, bool training = false, uint64_t seed = 1) {
  Executor executor(g);
  std::mt19937_64 rng(seed);
  return executor.forward({x}, training, rng)[0];
}

void expect_values(const Tensor& actual, const std::vector<float>& expected, float tol = 1e-6f) {
  ASSERT_EQ(actual.size(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

void expect_gradients_match(Graph& g, const std::vector<Tensor>& inputs,
                            GradientCheckOptions options = {}) {
  const GradientCheckResult r = check_gradients(g, inputs, options);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_GT(r.checked, 0);
}

// x [-1, shape...] -> op -> output.
Graph unary_graph(OpType type, Shape shape, Attributes attrs = {}) {
  Graph g;
  const int x = g.add_input("x", std::move(shape));
  g.set_outputs({g.add_node(type, {x}, attrs)});
  return g;
}

TEST(TrainBasicOpsTest, ActivationValues) {
  const Tensor x({1, 6}, {-4.0f, -1.0f, 0.0f, 0.5f, 4.0f, 7.0f});
  {
    Graph g = unary_graph(OpType::kRelu, {-1, 6});
    expect_values(run(g, x), {0, 0, 0, 0.5f, 4, 7});
  }
  {
    Graph g = unary_graph(OpType::kRelu6, {-1, 6});
    expect_values(run(g, x), {0, 0, 0, 0.5f, 4, 6});
  }
  {
    Attributes a;
    a.alpha = 0.1f;
    Graph g = unary_graph(OpType::kLeakyRelu, {-1, 6}, a);
    expect_values(run(g, x), {-0.4f, -0.1f, 0, 0.5f, 4, 7});
  }
  {
    Graph g = unary_graph(OpType::kLogistic, {-1, 6});
    std::vector<float> want;
    for (float v : x.values()) want.push_back(1.0f / (1.0f + std::exp(-v)));
    expect_values(run(g, x), want);
    EXPECT_FLOAT_EQ(run(g, x)[2], 0.5f);
    // No NaN at the extremes.
    const Tensor big({1, 2}, {-200.0f, 200.0f});
    Graph g2 = unary_graph(OpType::kLogistic, {-1, 2});
    expect_values(run(g2, big), {0.0f, 1.0f});
  }
  {
    Graph g = unary_graph(OpType::kTanh, {-1, 6});
    std::vector<float> want;
    for (float v : x.values()) want.push_back(std::tanh(v));
    expect_values(run(g, x), want);
  }
  {
    // x * relu6(x + 3) / 6: -4 -> 0, -1 -> -1/3, 0 -> 0, 0.5 -> 0.5*3.5/6, 4 -> 4, 7 -> 7.
    Graph g = unary_graph(OpType::kHardSwish, {-1, 6});
    expect_values(run(g, x), {0, -1.0f / 3, 0, 0.5f * 3.5f / 6, 4, 7});
  }
}

TEST(TrainBasicOpsTest, SoftmaxValues) {
  const Tensor x({2, 3}, {1.0f, 2.0f, 3.0f, 1000.0f, 1000.0f, 1000.0f});
  Graph g = unary_graph(OpType::kSoftmax, {-1, 3});
  const double s = std::exp(-2.0) + std::exp(-1.0) + 1.0;
  expect_values(run(g, x),
                {static_cast<float>(std::exp(-2.0) / s), static_cast<float>(std::exp(-1.0) / s),
                 static_cast<float>(1.0 / s), 1.0f / 3, 1.0f / 3, 1.0f / 3});
  Attributes a;
  a.beta = 2.0f;
  Graph g2 = unary_graph(OpType::kSoftmax, {-1, 3}, a);
  const double s2 = std::exp(-4.0) + std::exp(-2.0) + 1.0;
  const Tensor out = run(g2, x);
  EXPECT_NEAR(out[0], std::exp(-4.0) / s2, 1e-6);
  EXPECT_NEAR(out[2], 1.0 / s2, 1e-6);
}

TEST(TrainBasicOpsTest, DropoutIsInvertedAndOnlyInTraining) {
  Attributes a;
  a.rate = 0.25f;
  Graph g = unary_graph(OpType::kDropout, {-1, 1000}, a);
  const Tensor x({4, 1000}, 2.0f);
  expect_values(run(g, x, false), std::vector<float>(4000, 2.0f));
  const Tensor y = run(g, x, true, 7);
  int dropped = 0;
  double sum = 0.0;
  for (int64_t i = 0; i < y.size(); ++i) {
    ASSERT_TRUE(y[i] == 0.0f || std::abs(y[i] - 2.0f / 0.75f) < 1e-6f) << y[i];
    dropped += y[i] == 0.0f;
    sum += y[i];
  }
  EXPECT_NEAR(dropped / 4000.0, 0.25, 0.03);
  EXPECT_NEAR(sum / 4000.0, 2.0, 0.1);  // the expectation is kept
  // Same seed, same mask; another seed, another mask.
  const Tensor again = run(g, x, true, 7);
  EXPECT_EQ(again.values(), y.values());
  EXPECT_NE(run(g, x, true, 8).values(), y.values());

  // Backward passes the gradient through the same mask.
  Executor executor(g);
  executor.set_input_gradients(true);
  std::mt19937_64 rng(7);
  const Tensor out = executor.forward({x}, true, rng)[0];
  executor.backward({Tensor(x.shape(), 1.0f)});
  const Tensor& gx = executor.gradient(g.inputs()[0]);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(gx[i], out[i] / 2.0f);

  a.rate = 1.0f;
  Graph bad = unary_graph(OpType::kDropout, {-1, 3}, a);
  EXPECT_THROW(run(bad, Tensor({1, 3}), true), host::Error);
}

TEST(TrainBasicOpsTest, ReshapePadConcatenationMeanValues) {
  const Tensor x({2, 2, 2, 1}, {1, 2, 3, 4, 5, 6, 7, 8});
  {
    Attributes a;
    a.new_shape = {-1, -1};
    Graph g = unary_graph(OpType::kReshape, {-1, 2, 2, 1}, a);
    const Tensor y = run(g, x);
    EXPECT_EQ(y.shape(), (Shape{2, 4}));
    expect_values(y, {1, 2, 3, 4, 5, 6, 7, 8});
  }
  {
    Attributes a;
    a.paddings = {0, 0, 1, 0, 0, 1, 0, 0};  // one row above, one column right
    Graph g = unary_graph(OpType::kPad, {-1, 2, 2, 1}, a);
    const Tensor y = run(g, x);
    EXPECT_EQ(y.shape(), (Shape{2, 3, 3, 1}));
    expect_values(y, {0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 7, 8, 0});
  }
  {
    Attributes a;
    a.axes = {1, 2};  // global average pooling
    Graph g = unary_graph(OpType::kMean, {-1, 2, 2, 1}, a);
    const Tensor y = run(g, x);
    EXPECT_EQ(y.shape(), (Shape{2, 1}));
    expect_values(y, {2.5f, 6.5f});
    a.axes = {2};
    a.keep_dims = true;
    Graph g2 = unary_graph(OpType::kMean, {-1, 2, 2, 1}, a);
    const Tensor y2 = run(g2, x);
    EXPECT_EQ(y2.shape(), (Shape{2, 2, 1, 1}));
    expect_values(y2, {1.5f, 3.5f, 5.5f, 7.5f});
  }
  {
    Graph g;
    const int in = g.add_input("x", {-1, 2, 2, 1});
    Attributes a;
    a.axis = 3;
    g.set_outputs({g.add_node(OpType::kConcatenation, {in, in}, a)});
    const Tensor y = run(g, x);
    EXPECT_EQ(y.shape(), (Shape{2, 2, 2, 2}));
    expect_values(y, {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8});
    Graph g2;
    const int in2 = g2.add_input("x", {-1, 2, 2, 1});
    a.axis = 1;
    g2.set_outputs({g2.add_node(OpType::kConcatenation, {in2, in2}, a)});
    const Tensor y2 = run(g2, x);
    EXPECT_EQ(y2.shape(), (Shape{2, 4, 2, 1}));
    expect_values(y2, {1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8});
  }
}

TEST(TrainBasicOpsTest, AddAndMulBroadcastValues) {
  Graph g;
  const int x = g.add_input("x", {-1, 2, 3});
  const int c = g.add_constant("c", Tensor({3}, {10, 20, 30}));
  const int r = g.add_constant("r", Tensor({2, 1}, {2, -1}));
  Attributes relu;
  relu.activation = graph::Activation::kRelu;
  const int sum = g.add_node(OpType::kAdd, {x, c});
  const int prod = g.add_node(OpType::kMul, {r, sum}, relu);  // fused ReLU clamps the negatives
  g.set_outputs({sum, prod});
  Executor executor(g);
  std::mt19937_64 rng(1);
  const auto& out = executor.forward({Tensor({1, 2, 3}, {1, 2, 3, 4, 5, 6})}, false, rng);
  expect_values(out[0], {11, 22, 33, 14, 25, 36});
  expect_values(out[1], {22, 44, 66, 0, 0, 0});
  EXPECT_EQ(out[1].shape(), (Shape{1, 2, 3}));
}

// ---- gradient checks, one per op ----

TEST(TrainBasicOpsTest, GradientsOfActivations) {
  for (OpType t :
       {OpType::kRelu, OpType::kLeakyRelu, OpType::kLogistic, OpType::kTanh, OpType::kSoftmax}) {
    SCOPED_TRACE(graph::op_type_name(t));
    Attributes a;
    a.alpha = 0.3f;
    a.beta = 1.5f;
    Graph g = unary_graph(t, {-1, 3, 5}, a);
    expect_gradients_match(g, {random_tensor({2, 3, 5}, 11, 0.05f, 2.0f)});
  }
  {
    // ReLU6 needs values near 6 too: scale 8 puts some above, keep them off 0 and 6.
    Graph g = unary_graph(OpType::kRelu6, {-1, 20});
    Tensor x = random_tensor({2, 20}, 12, 0.05f, 8.0f);
    for (float& v : x.values())
      if (std::abs(v - 6.0f) < 0.1f) v += 0.5f;
    expect_gradients_match(g, {x});
  }
  {
    // HardSwish has kinks at -3 and 3: sample on both sides and in between.
    Graph g = unary_graph(OpType::kHardSwish, {-1, 20});
    Tensor x = random_tensor({2, 20}, 13, 0.05f, 5.0f);
    for (float& v : x.values())
      if (std::abs(std::abs(v) - 3.0f) < 0.1f) v *= 0.8f;
    expect_gradients_match(g, {x});
  }
}

TEST(TrainBasicOpsTest, GradientOfDropoutWithItsMask) {
  Attributes a;
  a.rate = 0.4f;
  Graph g = unary_graph(OpType::kDropout, {-1, 30}, a);
  expect_gradients_match(g, {random_tensor({3, 30}, 21)});
}

TEST(TrainBasicOpsTest, GradientsOfShapeOps) {
  {
    Attributes a;
    a.new_shape = {-1, 4, -1};
    Graph g;
    const int x = g.add_input("x", {-1, 2, 3, 2});
    const int w = g.add_parameter("w", random_tensor({4, 3}, 31));
    const int r = g.add_node(OpType::kReshape, {x}, a);
    g.set_outputs({g.add_node(OpType::kMul, {r, w})});  // so the output is not linear in x only
    expect_gradients_match(g, {random_tensor({2, 2, 3, 2}, 32)});
  }
  {
    Attributes a;
    a.paddings = {0, 0, 1, 2, 0, 1, 2, 0};
    Graph g = unary_graph(OpType::kPad, {-1, 3, 2, 2}, a);
    expect_gradients_match(g, {random_tensor({2, 3, 2, 2}, 33)});
  }
  for (int axis : {1, 2, -1}) {
    SCOPED_TRACE(axis);
    Graph g;
    const int x = g.add_input("x", {-1, 2, 3, 2});
    // A second input, through tanh, differing from x along the axis only.
    Shape ps{2, 2, 3, 2};
    ps[axis < 0 ? 3 : axis] = 4 - (axis < 0 ? 1 : axis);
    const int y = g.add_input("y", {-1, ps[1], ps[2], ps[3]});
    Attributes a;
    a.axis = axis;
    const int t = g.add_node(OpType::kTanh, {y});
    g.set_outputs({g.add_node(OpType::kConcatenation, {x, t, x}, a)});
    expect_gradients_match(g, {random_tensor({2, 2, 3, 2}, 34), random_tensor(ps, 35)});
  }
}

TEST(TrainBasicOpsTest, GradientsOfMean) {
  for (const std::vector<int>& axes : {std::vector<int>{1, 2}, std::vector<int>{-1},
                                       std::vector<int>{1, 3}, std::vector<int>{2}}) {
    for (bool keep : {false, true}) {
      SCOPED_TRACE(testing::Message() << "axes " << axes[0] << " keep " << keep);
      Attributes a;
      a.axes = axes;
      a.keep_dims = keep;
      Graph g = unary_graph(OpType::kMean, {-1, 3, 4, 2}, a);
      expect_gradients_match(g, {random_tensor({2, 3, 4, 2}, 41)});
    }
  }
}

TEST(TrainBasicOpsTest, GradientsOfAddAndMulWithBroadcasting) {
  struct Case {
    Shape a, b;
  };
  for (const Case& c : {Case{{2, 3, 4}, {2, 3, 4}}, Case{{2, 3, 4}, {4}}, Case{{2, 3, 4}, {3, 1}},
                        Case{{2, 3, 1}, {1, 4}}, Case{{2, 3, 4}, {}}, Case{{2, 1, 4}, {2, 3, 1}}}) {
    for (OpType t : {OpType::kAdd, OpType::kMul}) {
      for (auto act : {graph::Activation::kNone, graph::Activation::kRelu}) {
        SCOPED_TRACE(testing::Message()
                     << graph::op_type_name(t) << " " << graph::shape_string(c.a) << " "
                     << graph::shape_string(c.b) << " act " << static_cast<int>(act));
        Graph g;
        const int x = g.add_input("x", Shape(c.a));
        Shape input_b = c.b;
        int b;
        if (c.b.size() == c.a.size()) {
          b = g.add_input("y", input_b);  // both batched: gradients of two inputs
        } else {
          b = g.add_parameter("p", random_tensor(c.b, 52));  // a broadcast parameter
        }
        Attributes a;
        a.activation = act;
        g.set_outputs({g.add_node(t, {x, b}, a)});
        std::vector<Tensor> inputs{random_tensor(c.a, 51)};
        if (c.b.size() == c.a.size()) inputs.push_back(random_tensor(c.b, 53));
        // A smaller step: sums of random values may land near the fused ReLU's kink.
        GradientCheckOptions options;
        options.step = 1e-3;
        options.absolute_tolerance = 5e-3;
        expect_gradients_match(g, inputs, options);
      }
    }
  }
}

TEST(TrainBasicOpsTest, AddOfAValueWithItself) {
  // y = x + x and y = x * x: both inputs are the same value, the gradients add up.
  for (OpType t : {OpType::kAdd, OpType::kMul}) {
    Graph g;
    const int x = g.add_input("x", {-1, 5});
    g.set_outputs({g.add_node(t, {x, x})});
    Executor executor(g);
    executor.set_input_gradients(true);
    std::mt19937_64 rng(1);
    const Tensor in = random_tensor({1, 5}, 61);
    executor.forward({in}, true, rng);
    executor.backward({Tensor({1, 5}, 1.0f)});
    for (int i = 0; i < 5; ++i)
      EXPECT_FLOAT_EQ(executor.gradient(x)[i], t == OpType::kAdd ? 2.0f : 2.0f * in[i]);
  }
}

TEST(TrainBasicOpsTest, ExecutorSumsGradientsAcrossBranches) {
  // h = tanh(x * w); out = concat(h * v, relu(h), h): h feeds three nodes, w gets the sum.
  Graph g;
  const int x = g.add_input("x", {-1, 4});
  const int w = g.add_parameter("w", random_tensor({4}, 71));
  const int v = g.add_parameter("v", random_tensor({4}, 72));
  const int h = g.add_node(OpType::kTanh, {g.add_node(OpType::kMul, {x, w})});
  Attributes cat;
  cat.axis = 1;
  const int out =
      g.add_node(OpType::kConcatenation,
                 {g.add_node(OpType::kMul, {h, v}), g.add_node(OpType::kRelu, {h}), h}, cat);
  g.set_outputs({out});
  expect_gradients_match(g, {random_tensor({3, 4}, 73)});

  // By hand for one sample with d loss / d out = 1: dL/dh = v + [h > 0] + 1,
  // dL/dw = dL/dh * (1 - h^2) * x.
  Executor executor(g);
  std::mt19937_64 rng(1);
  const Tensor in = random_tensor({1, 4}, 74);
  executor.forward({in}, true, rng);
  executor.backward({Tensor({1, 12}, 1.0f)});
  for (int i = 0; i < 4; ++i) {
    const float hi = std::tanh(in[i] * g.value(w).data[i]);
    const float dh = g.value(v).data[i] + (hi > 0 ? 1.0f : 0.0f) + 1.0f;
    EXPECT_NEAR(executor.gradient(w)[i], dh * (1 - hi * hi) * in[i], 1e-5f);
  }
  // Two backward calls give the same gradients: they are overwritten, not accumulated.
  const Tensor first = executor.gradient(w);
  executor.backward({Tensor({1, 12}, 1.0f)});
  EXPECT_EQ(executor.gradient(w).values(), first.values());
}

TEST(TrainBasicOpsTest, ExecutorGradientsOnlyWhereNeeded) {
  Graph g;
  const int x = g.add_input("x", {-1, 3});
  const int frozen = g.add_parameter("frozen", Tensor({3}, 2.0f), /*trainable=*/false);
  const int w = g.add_parameter("w", Tensor({3}, 0.5f));
  const int unused = g.add_parameter("unused", Tensor({3}, 1.0f));
  const int a = g.add_node(OpType::kMul, {x, frozen});  // no parameter upstream: no gradient
  const int y = g.add_node(OpType::kAdd, {a, w});
  g.add_node(OpType::kMul, {y, unused});  // does not reach the output
  g.set_outputs({y});
  Executor executor(g);
  std::mt19937_64 rng(1);
  executor.forward({Tensor({2, 3}, 1.0f)}, true, rng);
  executor.backward({Tensor({2, 3}, 1.0f)});
  expect_values(executor.gradient(w), {2, 2, 2});
  expect_values(executor.gradient(unused), {0, 0, 0});  // zero, but there for the optimizer
  EXPECT_TRUE(executor.gradient(frozen).empty());
  EXPECT_TRUE(executor.gradient(x).empty());
  EXPECT_TRUE(executor.gradient(a).empty());
  // Graph inputs get gradients when asked.
  executor.set_input_gradients(true);
  executor.backward({Tensor({2, 3}, 1.0f)});
  expect_values(executor.gradient(x), {2, 2, 2, 2, 2, 2});
}

TEST(TrainBasicOpsTest, ExecutorErrors) {
  Graph g = unary_graph(OpType::kRelu, {-1, 3});
  Executor executor(g);
  std::mt19937_64 rng(1);
  EXPECT_THROW(executor.forward({Tensor({2, 4})}, false, rng), host::Error);
  EXPECT_THROW(executor.forward({}, false, rng), host::Error);
  executor.forward({Tensor({2, 3})}, false, rng);
  EXPECT_THROW(executor.backward({Tensor({2, 3})}), host::Error);  // not a training forward
  executor.forward({Tensor({2, 3})}, true, rng);
  EXPECT_THROW(executor.backward({Tensor({3, 3})}), host::Error);
  try {
    executor.forward({Tensor({2, 4})}, false, rng);
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
}

TEST(TrainBasicOpsTest, BatchSizeMayChangeBetweenCalls) {
  Attributes a;
  a.axes = {1, 2};
  Graph g = unary_graph(OpType::kMean, {-1, 2, 2, 3}, a);
  Executor executor(g);
  std::mt19937_64 rng(1);
  EXPECT_EQ(executor.forward({Tensor({5, 2, 2, 3}, 1.0f)}, false, rng)[0].shape(), (Shape{5, 3}));
  const Tensor small = executor.forward({Tensor({2, 2, 2, 3}, 3.0f)}, false, rng)[0];
  EXPECT_EQ(small.shape(), (Shape{2, 3}));
  expect_values(small, std::vector<float>(6, 3.0f));
}

TEST(TrainBasicOpsTest, LargeTensorsGiveTheSameResultsOnAnyThreadCount) {
  // Big enough for several chunks (parallel_chunks splits at 32768 elements): broadcast add,
  // scalar mul, ReLU and dropout, forward and backward, with one and with two threads.
  Graph g;
  const int x = g.add_input("x", {-1, 300, 250});
  const int c = g.add_parameter("c", random_tensor({250}, 81));
  const int s = g.add_parameter("s", Tensor(Shape{}, 1.5f));
  const int same = g.add_input("same", {-1, 300, 250});
  Attributes drop;
  drop.rate = 0.3f;
  int h = g.add_node(OpType::kAdd, {x, c});
  h = g.add_node(OpType::kMul, {h, s});
  h = g.add_node(OpType::kAdd, {h, same});
  h = g.add_node(OpType::kRelu, {h});
  h = g.add_node(OpType::kDropout, {h}, drop);
  g.set_outputs({h});
  const std::vector<Tensor> inputs{random_tensor({2, 300, 250}, 82),
                                   random_tensor({2, 300, 250}, 83)};
  const Tensor out_grad = random_tensor({2, 300, 250}, 84);
  struct Run {
    Tensor out, gc, gs, gx;
  };
  auto run_with = [&](int threads) {
    omp_set_num_threads(threads);
    Executor executor(g);
    executor.set_input_gradients(true);
    std::mt19937_64 rng(5);
    Run r{executor.forward(inputs, true, rng)[0], {}, {}, {}};
    executor.backward({out_grad});
    r.gc = executor.gradient(c);
    r.gs = executor.gradient(s);
    r.gx = executor.gradient(x);
    return r;
  };
  const Run one = run_with(1), two = run_with(2);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(one.out.values(), two.out.values());
  EXPECT_EQ(one.gx.values(), two.gx.values());
  EXPECT_EQ(one.gc.values(), two.gc.values());
  EXPECT_EQ(one.gs.values(), two.gs.values());
  // By hand: out = dropout(relu((x + c) * 1.5 + same)), mask m in {0, 1 / 0.7}.
  int64_t kept = 0;
  for (int64_t i = 0; i < one.out.size(); i += 997) {
    const float pre = (inputs[0][i] + g.value(c).data[i % 250]) * 1.5f + inputs[1][i];
    const float relu = std::max(pre, 0.0f);
    const bool dropped = one.out[i] == 0.0f && relu != 0.0f;
    if (!dropped) {
      EXPECT_NEAR(one.out[i], relu / 0.7f, 1e-5f) << i;
      EXPECT_NEAR(one.gx[i], pre > 0 ? out_grad[i] / 0.7f * 1.5f : 0.0f, 1e-5f) << i;
      kept += relu != 0.0f;
    } else {
      EXPECT_EQ(one.gx[i], 0.0f) << i;
    }
  }
  EXPECT_GT(kept, 0);
}

}  // namespace
}  // namespace tinyforge::train
