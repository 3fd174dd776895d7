// Losses against hand-computed values and their gradients against finite differences.
#include "toolkit/train/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/train/regression.h"

namespace tinyforge::train {
namespace {

using graph::Tensor;

// Central differences of `loss` in each element of `x`, compared with `grad` (double sums inside
// the losses keep the difference quotient accurate at h = 1e-2 in float inputs).
void expect_gradient_matches(Tensor x, const Tensor& grad,
                             const std::function<double(const Tensor&)>& loss) {
  ASSERT_EQ(x.shape(), grad.shape());
  const float h = 1e-2f;
  for (int64_t i = 0; i < x.size(); ++i) {
    const float keep = x[i];
    x[i] = keep + h;
    const double up = loss(x);
    x[i] = keep - h;
    const double down = loss(x);
    x[i] = keep;
    EXPECT_NEAR(grad[i], (up - down) / (2 * h), 2e-4) << "element " << i;
  }
}

Tensor random_tensor(graph::Shape shape, uint32_t seed, float lo = -2, float hi = 2) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Tensor t(std::move(shape));
  for (float& v : t.values()) v = u(rng);
  return t;
}

TEST(CrossEntropy, HandComputedValues) {
  const std::vector<int> zero = {0};
  LossOutput out = softmax_cross_entropy(Tensor({1, 2}, {0, 0}), zero);
  EXPECT_NEAR(out.loss, std::log(2.0), 1e-12);
  EXPECT_FLOAT_EQ(out.grad[0], -0.5f);
  EXPECT_FLOAT_EQ(out.grad[1], 0.5f);

  const std::vector<int> two = {2};
  out = softmax_cross_entropy(Tensor({1, 3}, {1, 2, 3}), two);
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(out.loss, std::log(sum) - 3, 1e-7);
  EXPECT_NEAR(out.grad[0], std::exp(1.0) / sum, 1e-7);
  EXPECT_NEAR(out.grad[2], std::exp(3.0) / sum - 1, 1e-7);
}

TEST(CrossEntropy, MeanOverTheBatchIsStableForLargeLogits) {
  const std::vector<int> labels = {0, 1};
  const LossOutput out = softmax_cross_entropy(Tensor({2, 2}, {1000, 0, 1000, 0}), labels);
  EXPECT_NEAR(out.loss, 500.0, 1e-9);  // (0 + 1000) / 2
  EXPECT_FLOAT_EQ(out.grad[2], 0.5f);
  EXPECT_FLOAT_EQ(out.grad[3], -0.5f);
}

TEST(CrossEntropy, ClassWeightsNormalizeByTheLabelsWeights) {
  const std::vector<int> labels = {0, 1};
  CrossEntropyOptions options;
  options.class_weights = {1, 3};
  const LossOutput out = softmax_cross_entropy(Tensor({2, 2}, 0.0f), labels, options);
  EXPECT_NEAR(out.loss, std::log(2.0), 1e-12);  // (1 ln2 + 3 ln2) / (1 + 3)
  EXPECT_FLOAT_EQ(out.grad[0], -0.125f);        // 1 * (0.5 - 1) / 4
  EXPECT_FLOAT_EQ(out.grad[1], 0.125f);
  EXPECT_FLOAT_EQ(out.grad[2], 0.375f);  // 3 * 0.5 / 4
  EXPECT_FLOAT_EQ(out.grad[3], -0.375f);
}

TEST(CrossEntropy, LabelSmoothingAsPyTorch) {
  const std::vector<int> zero = {0};
  CrossEntropyOptions options;
  options.label_smoothing = 0.1;
  LossOutput out = softmax_cross_entropy(Tensor({1, 2}, {0, 0}), zero, options);
  EXPECT_NEAR(out.loss, std::log(2.0), 1e-12);
  EXPECT_FLOAT_EQ(out.grad[0], 0.5f - 0.95f);  // p - smoothed target
  EXPECT_FLOAT_EQ(out.grad[1], 0.5f - 0.05f);

  // With weights, PyTorch: (1 - s) * nll + s / C * sum_c w_c (-log p_c), both over sum w_label.
  const std::vector<int> one = {1};
  options.label_smoothing = 0.2;
  options.class_weights = {2, 1};
  out = softmax_cross_entropy(Tensor({1, 2}, {0, static_cast<float>(std::log(3.0))}), one, options);
  const double expected = 0.8 * -std::log(0.75) + 0.1 * (2 * -std::log(0.25) - std::log(0.75));
  EXPECT_NEAR(out.loss, expected, 1e-7);
}

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  const std::vector<int> labels = {0, 3, 2, 3};
  CrossEntropyOptions options;
  options.class_weights = {0.5f, 1, 2, 1.5f};
  options.label_smoothing = 0.15;
  const Tensor logits = random_tensor({4, 4}, 1);
  const LossOutput out = softmax_cross_entropy(logits, labels, options);
  expect_gradient_matches(logits, out.grad, [&](const Tensor& x) {
    return softmax_cross_entropy(x, labels, options).loss;
  });
}

TEST(CrossEntropy, RejectsBadLabelsWeightsAndSmoothing) {
  const Tensor logits({2, 3}, 0.0f);
  const std::vector<int> bad = {0, 3}, one = {0}, good = {0, 1};
  EXPECT_THROW(softmax_cross_entropy(logits, bad), host::Error);
  EXPECT_THROW(softmax_cross_entropy(logits, one), host::Error);
  CrossEntropyOptions options;
  options.class_weights = {1, 1};
  EXPECT_THROW(softmax_cross_entropy(logits, good, options), host::Error);
  options.class_weights = {};
  options.label_smoothing = 1;
  EXPECT_THROW(softmax_cross_entropy(logits, good, options), host::Error);
}

TEST(BinaryCrossEntropy, HandComputedAndStable) {
  LossOutput out = binary_cross_entropy_with_logits(Tensor({1}, {0}), Tensor({1}, {1}));
  EXPECT_NEAR(out.loss, std::log(2.0), 1e-12);
  EXPECT_FLOAT_EQ(out.grad[0], -0.5f);
  out = binary_cross_entropy_with_logits(Tensor({2}, {100, -100}), Tensor({2}, {0, 0}));
  EXPECT_NEAR(out.loss, 50.0, 1e-9);  // (100 + ~0) / 2, no overflow
  EXPECT_FLOAT_EQ(out.grad[0], 0.5f);
  EXPECT_THROW(binary_cross_entropy_with_logits(Tensor({1}, {0}), Tensor({1}, {2})), host::Error);
  EXPECT_THROW(binary_cross_entropy_with_logits(Tensor({1}, {0}), Tensor({2}, {0, 0})),
               host::Error);
}

TEST(BinaryCrossEntropy, GradientMatchesFiniteDifferences) {
  const Tensor logits = random_tensor({3, 2}, 2);
  const Tensor targets = random_tensor({3, 2}, 3, 0, 1);
  const LossOutput out = binary_cross_entropy_with_logits(logits, targets);
  expect_gradient_matches(logits, out.grad, [&](const Tensor& x) {
    return binary_cross_entropy_with_logits(x, targets).loss;
  });
}

TEST(MeanSquaredError, HandComputedAndGradient) {
  const LossOutput out = mean_squared_error(Tensor({2}, {1, 2}), Tensor({2}, {0, 0}));
  EXPECT_DOUBLE_EQ(out.loss, 2.5);
  EXPECT_FLOAT_EQ(out.grad[0], 1.0f);
  EXPECT_FLOAT_EQ(out.grad[1], 2.0f);
  const Tensor predictions = random_tensor({2, 3}, 4);
  const Tensor targets = random_tensor({2, 3}, 5);
  expect_gradient_matches(predictions, mean_squared_error(predictions, targets).grad,
                          [&](const Tensor& x) { return mean_squared_error(x, targets).loss; });
}

TEST(MeanAbsoluteError, HandComputedAndGradient) {
  const LossOutput out = mean_absolute_error(Tensor({3}, {1, -2, 4}), Tensor({3}, {0, 0, 4}));
  EXPECT_DOUBLE_EQ(out.loss, 1.0);  // (1 + 2 + 0) / 3
  EXPECT_FLOAT_EQ(out.grad[0], 1.0f / 3);
  EXPECT_FLOAT_EQ(out.grad[1], -1.0f / 3);
  EXPECT_FLOAT_EQ(out.grad[2], 0.0f);  // no slope where they are equal (PyTorch's L1Loss)
  // Away from the kink (every difference at least 0.5, far beyond the step) the gradient is
  // the loss's slope.
  const Tensor predictions = random_tensor({2, 3}, 6);
  Tensor targets = predictions;
  for (int64_t i = 0; i < targets.size(); ++i) targets[i] += i % 2 ? 0.5f : -0.7f;
  expect_gradient_matches(predictions, mean_absolute_error(predictions, targets).grad,
                          [&](const Tensor& x) { return mean_absolute_error(x, targets).loss; });
}

TEST(RegressionLoss, StandardizedByTheTargetScale) {
  // Differences 2 and 4 in a target of std 2 count as 1 and 2: mse 2.5, gradient 2 d / n / 2.
  const std::vector<float> scale = {2};
  const LossOutput out = standardized_regression_loss(
      LossKind::kMeanSquaredError, Tensor({2, 1}, {3, 5}), Tensor({2, 1}, {1, 1}), scale);
  EXPECT_DOUBLE_EQ(out.loss, 2.5);
  EXPECT_FLOAT_EQ(out.grad[0], 0.5f);
  EXPECT_FLOAT_EQ(out.grad[1], 1.0f);
  const std::vector<float> two = {2.0f, 0.5f};
  const Tensor predictions = random_tensor({3, 2}, 7);
  Tensor targets = predictions;
  for (int64_t i = 0; i < targets.size(); ++i) targets[i] += i % 3 ? 0.6f : -0.9f;
  for (LossKind kind : {LossKind::kMeanSquaredError, LossKind::kMeanAbsoluteError}) {
    expect_gradient_matches(
        predictions, standardized_regression_loss(kind, predictions, targets, two).grad,
        [&](const Tensor& x) { return standardized_regression_loss(kind, x, targets, two).loss; });
  }
  EXPECT_THROW(standardized_regression_loss(LossKind::kCrossEntropy, predictions, targets, two),
               host::Error);
  EXPECT_THROW(
      standardized_regression_loss(LossKind::kMeanSquaredError, Tensor({3, 1}), targets, two),
      host::Error);  // one output for two targets
}

TEST(ReconstructionError, PerSampleMeanOverFeatures) {
  const std::vector<float> errors =
      per_sample_squared_error(Tensor({2, 2}, {1, 1, 0, 2}), Tensor({2, 2}, 0.0f));
  EXPECT_EQ(errors, (std::vector<float>{1, 2}));
}

TEST(Softmax, RowsSumToOne) {
  const Tensor p = softmax(Tensor({2, 2}, {0, 0, 1000, 0}));
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  EXPECT_FLOAT_EQ(p[2], 1.0f);
  EXPECT_FLOAT_EQ(p[3], 0.0f);
}

TEST(LossKind, NamesRoundTrip) {
  for (LossKind k : {LossKind::kCrossEntropy, LossKind::kBinaryCrossEntropy,
                     LossKind::kMeanSquaredError, LossKind::kMeanAbsoluteError}) {
    EXPECT_EQ(loss_kind_from_name(loss_kind_name(k)), k);
  }
  EXPECT_THROW(loss_kind_from_name("hinge"), host::Error);
}

}  // namespace
}  // namespace tinyforge::train
