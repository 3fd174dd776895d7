// Optimizers against hand-computed update sequences (PyTorch's formulas), exact resume from saved
// state, learning-rate schedules at given positions, and early stopping.
#include "toolkit/train/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "toolkit/host/error.h"
#include "toolkit/train/schedule.h"

namespace tinyforge::train {
namespace {

using graph::Tensor;

// Minimizes f(x) = x^2 (gradient 2x) from x = 1 and returns x after each step.
std::vector<double> quadratic_steps(const OptimizerConfig& config, int steps) {
  Optimizer optimizer(config);
  Tensor x({1}, 1.0f), g({1});
  std::vector<double> xs;
  const ParameterGradient pg[] = {{&x, &g}};
  for (int i = 0; i < steps; ++i) {
    g[0] = 2 * x[0];
    optimizer.step(pg);
    xs.push_back(x[0]);
  }
  return xs;
}

void expect_sequence(const std::vector<double>& actual, const std::vector<double>& expected,
                     double tolerance = 1e-6) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "step " << i + 1;
  }
}

TEST(Sgd, PlainWithWeightDecay) {
  OptimizerConfig c{.kind = OptimizerKind::kSgd, .learning_rate = 0.1, .weight_decay = 0.5};
  // g = 2x + 0.5x: x <- x - 0.1 * 2.5x = 0.75x.
  expect_sequence(quadratic_steps(c, 3), {0.75, 0.5625, 0.421875});
}

TEST(Sgd, MomentumStartsFromTheFirstGradient) {
  OptimizerConfig c{.kind = OptimizerKind::kSgd, .learning_rate = 0.1, .momentum = 0.9};
  // buf: 2, 0.9*2 + 1.6 = 3.4, 0.9*3.4 + 0.92 = 3.98.
  expect_sequence(quadratic_steps(c, 3), {0.8, 0.46, 0.062});
  c.dampening = 0.5;  // buf: 2 (undamped first), 0.9*2 + 0.5*1.6 = 2.6
  expect_sequence(quadratic_steps(c, 2), {0.8, 0.54});
}

TEST(Sgd, Nesterov) {
  OptimizerConfig c{
      .kind = OptimizerKind::kSgd, .learning_rate = 0.1, .momentum = 0.9, .nesterov = true};
  // Step 1: buf 2, d = 2 + 0.9*2 = 3.8. Step 2: g 1.24, buf 3.04, d = 1.24 + 2.736.
  expect_sequence(quadratic_steps(c, 2), {0.62, 0.2224});
}

TEST(Adam, FirstStepsOnAQuadraticMatchTheClosedForm) {
  OptimizerConfig c{.kind = OptimizerKind::kAdam, .learning_rate = 0.1};
  // Step 1 moves by lr g / (|g| + eps) whatever g is; then bias-corrected moments, e.g. step 2:
  // m = 0.36, v = 0.007236, x = 0.9 - 0.1 (0.36 / 0.19) / (sqrt(0.007236 / 0.001999) + 1e-8).
  expect_sequence(quadratic_steps(c, 3), {0.9000000005, 0.8004122286917927, 0.7015862729460302});
}

TEST(Adam, FirstStepIsTheSignOfTheGradientTimesTheRate) {
  Optimizer optimizer({.kind = OptimizerKind::kAdam, .learning_rate = 0.01});
  Tensor p({3}, {1, 1, 1}), g({3}, {2, -0.5f, 1e-3f});
  const ParameterGradient pg[] = {{&p, &g}};
  optimizer.step(pg);
  EXPECT_NEAR(p[0], 0.99, 1e-6);
  EXPECT_NEAR(p[1], 1.01, 1e-6);
  EXPECT_NEAR(p[2], 1 - 0.01 * 1e-3 / (1e-3 + 1e-8), 1e-6);
  EXPECT_EQ(optimizer.steps(), 1);
}

TEST(AdamW, DecayIsDecoupledFromTheGradient) {
  // Zero gradient: the Adam part moves nothing, so p_t = p_0 (1 - lr wd)^t exactly.
  Optimizer adamw({.kind = OptimizerKind::kAdamW, .learning_rate = 0.01, .weight_decay = 0.1});
  Tensor p({2}, {2, -4}), zero({2}, 0.0f);
  const ParameterGradient pg[] = {{&p, &zero}};
  for (int i = 0; i < 5; ++i) adamw.step(pg);
  EXPECT_NEAR(p[0], 2 * std::pow(0.999, 5), 1e-6);
  EXPECT_NEAR(p[1], -4 * std::pow(0.999, 5), 1e-6);

  // Adam's L2 decay goes through the moments instead: the first step moves by lr, not lr wd p.
  Optimizer adam({.kind = OptimizerKind::kAdam, .learning_rate = 0.01, .weight_decay = 0.1});
  Tensor q({1}, {2}), zero1({1}, 0.0f);
  const ParameterGradient qg[] = {{&q, &zero1}};
  adam.step(qg);
  EXPECT_NEAR(q[0], 1.99, 1e-6);
}

TEST(AdamW, DecayThenAdamStep) {
  // x = 1, g = 2, lr 0.1, wd 0.5: x <- 1 (1 - 0.05) - 0.1 * 2 / (2 + 1e-8).
  OptimizerConfig c{.kind = OptimizerKind::kAdamW, .learning_rate = 0.1, .weight_decay = 0.5};
  expect_sequence(quadratic_steps(c, 1), {0.95 - 0.1 * 2 / (2 + 1e-8)});
}

// Reference sequences from torch.optim (PyTorch 1.13, float64) on f(x) = x^2 from x = 1.
TEST(Optimizer, MatchesTorchOptimOnAQuadratic) {
  expect_sequence(
      quadratic_steps({.kind = OptimizerKind::kAdamW, .learning_rate = 0.1, .weight_decay = 0.5},
                      4),
      {0.8500000004999999, 0.7082484433597452, 0.5749739307415966, 0.4505145183555379});
  expect_sequence(
      quadratic_steps({.kind = OptimizerKind::kAdam, .learning_rate = 0.1, .weight_decay = 0.5}, 4),
      {0.9000000003999999, 0.8004122284876838, 0.7015862726343534, 0.6039390601520738});
  expect_sequence(quadratic_steps({.kind = OptimizerKind::kSgd,
                                   .learning_rate = 0.1,
                                   .weight_decay = 0.1,
                                   .momentum = 0.9,
                                   .nesterov = true},
                                  4),
                  {0.601, 0.191101, -0.14046839900000005, -0.34671587789900005});
}

TEST(Optimizer, LearningRateChangesTakeEffect) {
  Optimizer optimizer({.kind = OptimizerKind::kSgd, .learning_rate = 0.1});
  Tensor p({1}, {1}), g({1}, {1});
  const ParameterGradient pg[] = {{&p, &g}};
  optimizer.set_learning_rate(0.5);
  optimizer.step(pg);
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  EXPECT_THROW(optimizer.set_learning_rate(-1), host::Error);
}

// Two parameters with a gradient that depends on them, stepped `steps` times.
void run(Optimizer& optimizer, Tensor& a, Tensor& b, int steps) {
  Tensor ga(a.shape()), gb(b.shape());
  const ParameterGradient pg[] = {{&a, &ga}, {&b, &gb}};
  for (int s = 0; s < steps; ++s) {
    for (int64_t i = 0; i < a.size(); ++i) ga[i] = 2 * a[i] - 0.3f * static_cast<float>(i);
    for (int64_t i = 0; i < b.size(); ++i) gb[i] = std::sin(b[i]) + 0.1f;
    optimizer.step(pg);
  }
}

TEST(Optimizer, SavedStateResumesBitExactly) {
  const OptimizerConfig configs[] = {
      {.kind = OptimizerKind::kSgd, .learning_rate = 0.05, .weight_decay = 1e-3, .momentum = 0.9},
      {.kind = OptimizerKind::kSgd, .learning_rate = 0.05, .momentum = 0.9, .nesterov = true},
      {.kind = OptimizerKind::kSgd, .learning_rate = 0.05},
      {.kind = OptimizerKind::kAdam, .learning_rate = 0.01, .weight_decay = 1e-4},
      {.kind = OptimizerKind::kAdamW, .learning_rate = 0.01, .weight_decay = 0.01},
  };
  for (const OptimizerConfig& config : configs) {
    SCOPED_TRACE(optimizer_kind_name(config.kind));
    Tensor a({2, 3}, {1, -2, 3, 0.5f, 0, -1}), b({4}, {0.1f, 0.2f, -0.3f, 2});
    Optimizer straight(config);
    run(straight, a, b, 3);
    const OptimizerState saved = straight.state();
    Tensor a2 = a, b2 = b;
    run(straight, a, b, 4);

    Optimizer resumed(config);
    resumed.set_learning_rate(1.0);  // the saved rate wins
    resumed.load_state(saved);
    EXPECT_EQ(resumed.steps(), 3);
    EXPECT_EQ(resumed.learning_rate(), config.learning_rate);
    run(resumed, a2, b2, 4);
    EXPECT_EQ(a.values(), a2.values());
    EXPECT_EQ(b.values(), b2.values());
  }
}

TEST(Optimizer, StateHoldsStepsRateAndMoments) {
  Optimizer adam({.kind = OptimizerKind::kAdam});
  EXPECT_TRUE(adam.state().tensors.empty());
  Tensor a({2}, 1.0f), b({3}, 1.0f);
  run(adam, a, b, 2);
  const OptimizerState s = adam.state();
  EXPECT_EQ(s.kind, "adam");
  EXPECT_EQ(s.scalars, (std::vector<double>{2, 1e-3}));
  ASSERT_EQ(s.tensors.size(), 4u);  // m_a, m_b, v_a, v_b
  EXPECT_EQ(s.tensors[1].shape(), graph::Shape{3});
  EXPECT_EQ(s.tensors[2].shape(), graph::Shape{2});
}

TEST(Optimizer, RejectsMismatchedStateAndParameters) {
  Optimizer adam({.kind = OptimizerKind::kAdam});
  Tensor a({2}, 1.0f), b({3}, 1.0f);
  run(adam, a, b, 1);
  OptimizerState s = adam.state();

  Optimizer sgd({.kind = OptimizerKind::kSgd, .momentum = 0.9});
  EXPECT_THROW(sgd.load_state(s), host::Error);  // another kind

  Optimizer other({.kind = OptimizerKind::kAdam});
  other.load_state(s);
  Tensor wrong({5}, 1.0f);
  EXPECT_THROW(run(other, a, wrong, 1), host::Error);  // shapes checked at the next step

  s.tensors.pop_back();
  EXPECT_THROW(other.load_state(s), host::Error);
  s.tensors.clear();
  EXPECT_THROW(other.load_state(s), host::Error);  // steps but no moments

  Tensor p({2}), g({3});
  const ParameterGradient pg[] = {{&p, &g}};
  EXPECT_THROW(Optimizer({}).step(pg), host::Error);
}

TEST(Optimizer, RejectsBadHyperparameters) {
  EXPECT_THROW(Optimizer({.kind = OptimizerKind::kSgd, .nesterov = true}), host::Error);
  EXPECT_THROW(Optimizer({.learning_rate = -1}), host::Error);
  EXPECT_THROW(Optimizer({.beta1 = 1}), host::Error);
  EXPECT_EQ(optimizer_kind_from_name("adamw"), OptimizerKind::kAdamW);
  EXPECT_THROW(optimizer_kind_from_name("rmsprop"), host::Error);
}

std::vector<double> schedule_values(const ScheduleConfig& c, int count) {
  std::vector<double> out;
  for (int t = 0; t < count; ++t) out.push_back(learning_rate_at(c, t));
  return out;
}

TEST(Schedule, ConstantAndStepDecay) {
  expect_sequence(schedule_values({.base_lr = 0.1}, 3), {0.1, 0.1, 0.1}, 1e-15);
  const ScheduleConfig step{
      .kind = ScheduleKind::kStep, .base_lr = 0.1, .step_size = 2, .gamma = 0.5};
  expect_sequence(schedule_values(step, 6), {0.1, 0.1, 0.05, 0.05, 0.025, 0.025}, 1e-15);
}

TEST(Schedule, CosineWithoutAndWithWarmup) {
  const ScheduleConfig cosine{.kind = ScheduleKind::kCosine, .base_lr = 1, .total = 4};
  const double c45 = (1 + std::cos(M_PI / 4)) / 2;  // 0.8535...
  expect_sequence(schedule_values(cosine, 6), {1, c45, 0.5, 1 - c45, 0, 0}, 1e-12);

  const ScheduleConfig warm{
      .kind = ScheduleKind::kCosine, .base_lr = 1, .warmup = 2, .total = 6, .min_lr = 0.1};
  expect_sequence(schedule_values(warm, 8),
                  {0.5, 1, 1, 0.1 + 0.9 * c45, 0.55, 0.1 + 0.9 * (1 - c45), 0.1, 0.1}, 1e-12);
}

TEST(Schedule, LinearWarmupAndUnits) {
  const ScheduleConfig warm{.kind = ScheduleKind::kLinearWarmup, .base_lr = 0.2, .warmup = 4};
  expect_sequence(schedule_values(warm, 5), {0.05, 0.1, 0.15, 0.2, 0.2}, 1e-15);

  ScheduleConfig step{.kind = ScheduleKind::kStep, .base_lr = 1, .step_size = 1, .gamma = 0.5};
  EXPECT_EQ(learning_rate_at(step, /*epoch=*/1, /*global_step=*/100), 0.5);
  step.unit = ScheduleUnit::kStep;
  EXPECT_EQ(learning_rate_at(step, 1, 3), 0.125);
}

TEST(Schedule, RejectsInconsistentConfigs) {
  EXPECT_THROW(learning_rate_at({.kind = ScheduleKind::kCosine, .warmup = 5, .total = 5}, 0),
               host::Error);
  EXPECT_THROW(learning_rate_at({.kind = ScheduleKind::kLinearWarmup}, 0), host::Error);
  EXPECT_THROW(learning_rate_at({.kind = ScheduleKind::kStep, .step_size = 0}, 0), host::Error);
  EXPECT_THROW(learning_rate_at({}, -1), host::Error);
  EXPECT_EQ(schedule_kind_from_name("cosine"), ScheduleKind::kCosine);
  EXPECT_THROW(schedule_kind_from_name("exp"), host::Error);
  EXPECT_THROW(schedule_unit_from_name("batch"), host::Error);
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  EarlyStopping stop({.monitor = Monitor::kValLoss, .patience = 2, .min_delta = 0.005});
  const double losses[] = {1.0, 0.8, 0.85, 0.79, 0.9, 0.95};
  const bool improved[] = {true, true, false, true, false, false};
  for (int e = 0; e < 6; ++e) {
    EXPECT_FALSE(stop.should_stop()) << e;
    EXPECT_EQ(stop.update(losses[e]), improved[e]) << e;
  }
  EXPECT_TRUE(stop.should_stop());
  EXPECT_EQ(stop.best_epoch(), 3);
  EXPECT_EQ(stop.best(), 0.79);

  // A larger min_delta does not count 0.79 (< 0.8 by only 0.01) as an improvement.
  EarlyStopping strict({.monitor = Monitor::kValLoss, .patience = 2, .min_delta = 0.02});
  for (int e = 0; e < 4; ++e) strict.update(losses[e]);
  EXPECT_TRUE(strict.should_stop());
  EXPECT_EQ(strict.best_epoch(), 1);
}

TEST(EarlyStopping, AccuracyMustRiseAndNaNNeverImproves) {
  EarlyStopping stop({.monitor = Monitor::kValAccuracy, .patience = 1});
  EXPECT_TRUE(stop.update(50));
  EXPECT_TRUE(stop.update(60));
  EXPECT_FALSE(stop.update(std::nan("")));
  EXPECT_TRUE(stop.should_stop());
  EXPECT_EQ(stop.best(), 60);

  EarlyStopping copy({.monitor = Monitor::kValAccuracy, .patience = 1});
  copy.load_state(stop.state());
  EXPECT_TRUE(copy.should_stop());
  EXPECT_EQ(copy.best_epoch(), 1);
  EXPECT_THROW(copy.load_state(std::vector<double>{1, 2}), host::Error);
  EXPECT_EQ(monitor_from_name("val_accuracy"), Monitor::kValAccuracy);
  EXPECT_THROW(monitor_from_name("accuracy"), host::Error);
}

TEST(BestWeights, RestoresTheSavedValues) {
  Tensor a({2}, {1, 2}), b({1}, {3});
  BestWeights best;
  Tensor* params[] = {&a, &b};
  EXPECT_THROW(best.restore(params), host::Error);
  const Tensor* views[] = {&a, &b};
  best.save(views);
  a[0] = 10;
  b[0] = 30;
  best.restore(params);
  EXPECT_EQ(a.values(), (std::vector<float>{1, 2}));
  EXPECT_EQ(b[0], 3);
  Tensor* fewer[] = {&a};
  EXPECT_THROW(best.restore(fewer), host::Error);
}

}  // namespace
}  // namespace tinyforge::train
