// pAUC and the decision threshold of an anomaly detector, on cases worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "toolkit/host/error.h"
#include "toolkit/metrics/anomaly_metrics.h"

namespace tinyforge::metrics {
namespace {

TEST(PartialRocAuc, StandardizedAsMcClish) {
  // Perfect: every anomaly above every normal sample.
  EXPECT_DOUBLE_EQ(
      partial_roc_auc(std::vector<float>{0.9f, 0.8f, 0.1f, 0.2f}, std::vector<int>{1, 1, 0, 0}),
      1.0);
  // Worst: no area below FPR 0.1 -> 0.5 (1 + (0 - 0.005) / 0.095).
  EXPECT_NEAR(
      partial_roc_auc(std::vector<float>{0.1f, 0.2f, 0.9f, 0.8f}, std::vector<int>{1, 1, 0, 0}),
      0.5 * (1 - 0.005 / 0.095), 1e-12);
  // 2 anomalies, 10 normal, ordered A N A N...: the curve goes (0, .5) -> (.1, .5) -> (.1, 1);
  // the area below FPR 0.1 is 0.05 -> 0.5 (1 + 0.045 / 0.095).
  std::vector<float> scores = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5f, 0.25f};
  std::vector<int> labels = {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_NEAR(partial_roc_auc(scores, labels), 0.5 * (1 + 0.045 / 0.095), 1e-12);
  // With max_fpr 1 it is the full AUC: (0.5 * 0.1 + 1 * 0.9) = 0.95.
  EXPECT_NEAR(partial_roc_auc(scores, labels, 1.0), 0.95, 1e-12);
  // A tie across the cut: one normal and one anomaly share the top score (a diagonal step to
  // (0.1, 0.5)), then the second anomaly: area 0.1 * 0.25 = 0.025.
  scores = {10, 10, 8, 7, 6, 5, 4, 3, 2, 1, 0.5f, 0.25f};
  EXPECT_NEAR(partial_roc_auc(scores, std::vector<int>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
              0.5 * (1 + 0.02 / 0.095), 1e-12);
  EXPECT_TRUE(std::isnan(partial_roc_auc(std::vector<float>{1, 2}, std::vector<int>{0, 0})));
  EXPECT_THROW(partial_roc_auc(std::vector<float>{NAN}, std::vector<int>{1}), host::Error);
}

TEST(AnomalyThreshold, BestF1OrAboveEveryNormalSample) {
  const std::vector<float> scores = {0.1f, 0.2f, 0.3f, 0.35f, 0.4f, 0.9f};
  const std::vector<int> labels = {0, 0, 0, 1, 0, 1};
  // At 0.35: TP 2, FP 1, FN 0 -> F1 0.8; at 0.9: F1 2/3; at 0.4: 2/3 (TP 1, FP 1, FN 1 -> 0.5).
  const Threshold t = choose_threshold(scores, labels);
  EXPECT_FLOAT_EQ(static_cast<float>(t.value), 0.35f);
  const BinaryCounts c = count_at(scores, labels, t.value);
  EXPECT_EQ(c.true_positives, 2);
  EXPECT_EQ(c.false_positives, 1);
  EXPECT_EQ(c.true_negatives, 3);
  EXPECT_DOUBLE_EQ(c.recall(), 1.0);
  EXPECT_DOUBLE_EQ(c.precision(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.false_positive_rate(), 0.25);
  // Normal samples only: 5% above the largest.
  const Threshold normal = choose_threshold(std::vector<float>{1, 4, 2}, std::vector<int>{0, 0, 0});
  EXPECT_NEAR(normal.value, 4.2, 1e-6);
  EXPECT_THROW(choose_threshold(std::vector<float>{}, std::vector<int>{}), host::Error);
}

}  // namespace
}  // namespace tinyforge::metrics
