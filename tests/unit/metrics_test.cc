// Metrics against hand-computed cases: a confusion matrix with a class never predicted, ROC-AUC
// with tied scores, a full report's JSON, and regression's MAE, RMSE and R².
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/metrics/classification_metrics.h"
#include "toolkit/metrics/classification_report.h"
#include "toolkit/metrics/confusion_matrix.h"
#include "toolkit/metrics/regression_metrics.h"
#include "toolkit/metrics/roc_auc.h"
#include "toolkit/metrics/roc_curve.h"
#include "toolkit/metrics/running_mean.h"

namespace tinyforge::metrics {
namespace {

// true: 0 0 0 1 1 2 2 3, predicted: 0 0 1 1 0 2 0 2. Class 3 has one sample and is never
// predicted.
ConfusionMatrix example_matrix() {
  ConfusionMatrix m(4);
  const std::vector<int> truth = {0, 0, 0, 1, 1, 2, 2, 3};
  const std::vector<int> predicted = {0, 0, 1, 1, 0, 2, 0, 2};
  m.add(truth, predicted);
  return m;
}

TEST(ConfusionMatrix, CountsRowsByTrueClass) {
  const ConfusionMatrix m = example_matrix();
  const std::vector<std::vector<int64_t>> expected = {
      {2, 1, 0, 0}, {1, 1, 0, 0}, {1, 0, 1, 0}, {0, 0, 1, 0}};
  EXPECT_EQ(m.rows(), expected);
  EXPECT_EQ(m.total(), 8);
  EXPECT_EQ(m.correct(), 4);
  EXPECT_EQ(m.support(0), 3);
  EXPECT_EQ(m.predicted_count(0), 4);
  EXPECT_EQ(m.predicted_count(3), 0);
}

TEST(ConfusionMatrix, RejectsClassesOutOfRange) {
  ConfusionMatrix m(3);
  EXPECT_THROW(m.add(3, 0), host::Error);
  EXPECT_THROW(m.add(0, -1), host::Error);
  const std::vector<int> two = {0, 1}, one = {0};
  EXPECT_THROW(m.add(two, one), host::Error);
  EXPECT_THROW(ConfusionMatrix(0), host::Error);
}

TEST(ClassificationMetrics, PerClassMacroAndWeighted) {
  const ConfusionMatrix m = example_matrix();
  EXPECT_DOUBLE_EQ(accuracy(m), 0.5);
  const PerClassScores s = per_class_scores(m);
  const std::vector<double> precision = {0.5, 0.5, 0.5, 0.0};  // class 3: never predicted -> 0
  const std::vector<double> recall = {2.0 / 3, 0.5, 0.5, 0.0};
  const std::vector<double> f1 = {4.0 / 7, 0.5, 0.5, 0.0};
  for (int c = 0; c < 4; ++c) {
    EXPECT_DOUBLE_EQ(s.precision[c], precision[c]) << c;
    EXPECT_DOUBLE_EQ(s.recall[c], recall[c]) << c;
    EXPECT_DOUBLE_EQ(s.f1[c], f1[c]) << c;
  }
  EXPECT_EQ(s.support, (std::vector<int64_t>{3, 2, 2, 1}));
  EXPECT_DOUBLE_EQ(s.macro_precision, 0.375);
  EXPECT_DOUBLE_EQ(s.macro_recall, 5.0 / 12);
  EXPECT_DOUBLE_EQ(s.macro_f1, 11.0 / 28);
  EXPECT_DOUBLE_EQ(s.weighted_precision, 3.5 / 8);
  EXPECT_DOUBLE_EQ(s.weighted_recall, 0.5);  // always equals accuracy
  EXPECT_DOUBLE_EQ(s.weighted_f1, 13.0 / 28);
}

TEST(ClassificationMetrics, EmptyMatrixAndAbsentClassesGiveZeroNotNaN) {
  const ConfusionMatrix m(2);
  EXPECT_EQ(accuracy(m), 0.0);
  const PerClassScores s = per_class_scores(m);
  EXPECT_EQ(s.macro_f1, 0.0);
  EXPECT_EQ(s.weighted_f1, 0.0);
}

TEST(ClassificationMetrics, ArgmaxTakesTheFirstOfTiedMaxima) {
  const std::vector<float> scores = {0.1f, 0.7f, 0.7f, 3.0f, -1.0f, 2.0f};
  EXPECT_EQ(argmax_rows(scores, 3), (std::vector<int>{1, 0}));
  EXPECT_THROW(argmax_rows(scores, 4), host::Error);
}

TEST(RocAuc, BinaryWithoutTies) {
  // Every (positive, negative) pair: 0.35 > 0.1, 0.35 < 0.4, 0.8 > both -> 3 of 4.
  const std::vector<float> scores = {0.1f, 0.4f, 0.35f, 0.8f};
  const std::vector<int> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(binary_roc_auc(scores, labels), 0.75);
}

TEST(RocAuc, TiesCountOneHalf) {
  // Positive 0.5 ties negative 0.5 (1/2) and beats 0.2 (1); 0.9 beats both (2): 3.5 of 4.
  const std::vector<float> scores = {0.2f, 0.5f, 0.5f, 0.9f};
  const std::vector<int> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(binary_roc_auc(scores, labels), 0.875);
  const std::vector<float> constant = {0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<int> mixed = {0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(binary_roc_auc(constant, mixed), 0.5);
}

TEST(RocAuc, EqualsPairwiseProbabilityOnRandomTiedScores) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 5), coin(0, 1);
  std::vector<float> scores(300);
  std::vector<int> labels(300);
  for (size_t i = 0; i < scores.size(); ++i) {
    labels[i] = coin(rng);
    scores[i] = 0.1f * static_cast<float>(level(rng) + labels[i]);  // heavy ties, some signal
  }
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    for (size_t j = 0; j < scores.size(); ++j) {
      if (labels[i] == 1 && labels[j] == 0) {
        wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
        pairs += 1;
      }
    }
  }
  EXPECT_NEAR(binary_roc_auc(scores, labels), wins / pairs, 1e-12);
}

TEST(RocAuc, UndefinedWithoutBothClassesAndRejectsBadInput) {
  const std::vector<float> scores = {0.1f, 0.2f};
  const std::vector<int> negatives = {0, 0};
  EXPECT_TRUE(std::isnan(binary_roc_auc(scores, negatives)));
  const std::vector<int> one = {1};
  EXPECT_THROW(binary_roc_auc(scores, one), host::Error);
  const std::vector<float> nan_scores = {0.1f, std::nanf("")};
  const std::vector<int> labels = {0, 1};
  EXPECT_THROW(binary_roc_auc(nan_scores, labels), host::Error);
}

TEST(RocCurve, VerticesPerThresholdWithTiesAsOneDiagonalStep) {
  // Descending: 0.9 (+), 0.5 (+ and - tied), 0.2 (-): (0,0) (0,.5) (.5,1) (1,1).
  const std::vector<float> scores = {0.2f, 0.5f, 0.5f, 0.9f};
  const std::vector<int> labels = {0, 0, 1, 1};
  const RocCurve curve = binary_roc_curve(scores, labels);
  EXPECT_EQ(curve.fpr, (std::vector<double>{0, 0, 0.5, 1}));
  EXPECT_EQ(curve.tpr, (std::vector<double>{0, 0.5, 1, 1}));
  EXPECT_TRUE(binary_roc_curve(scores, std::vector<int>{0, 0, 0, 0}).empty());
  EXPECT_THROW(binary_roc_curve(scores, std::vector<int>{1}), host::Error);
}

TEST(RocCurve, TrapezoidAreaIsTheAucAndThinningKeepsTheEnds) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> level(0, 40), coin(0, 1);
  std::vector<float> scores(500);
  std::vector<int> labels(500);
  for (size_t i = 0; i < scores.size(); ++i) {
    labels[i] = coin(rng);
    scores[i] = 0.01f * static_cast<float>(level(rng) + 10 * labels[i]);
  }
  const RocCurve curve = binary_roc_curve(scores, labels);
  double area = 0;
  for (size_t i = 1; i < curve.fpr.size(); ++i) {
    ASSERT_GE(curve.fpr[i], curve.fpr[i - 1]);
    ASSERT_GE(curve.tpr[i], curve.tpr[i - 1]);
    area += (curve.fpr[i] - curve.fpr[i - 1]) * (curve.tpr[i] + curve.tpr[i - 1]) / 2;
  }
  EXPECT_NEAR(area, binary_roc_auc(scores, labels), 1e-12);
  ASSERT_GT(curve.fpr.size(), 20u);
  const RocCurve thin = thin_roc_curve(curve, 9);
  ASSERT_EQ(thin.fpr.size(), 9u);
  EXPECT_EQ(thin.fpr.front(), 0.0);
  EXPECT_EQ(thin.tpr.front(), 0.0);
  EXPECT_EQ(thin.fpr.back(), 1.0);
  EXPECT_EQ(thin.tpr.back(), 1.0);
  for (size_t i = 0; i < thin.fpr.size(); ++i) {  // every kept point is a vertex of the curve
    bool found = false;
    for (size_t k = 0; k < curve.fpr.size(); ++k)
      found |= curve.fpr[k] == thin.fpr[i] && curve.tpr[k] == thin.tpr[i];
    EXPECT_TRUE(found) << i;
  }
  EXPECT_EQ(thin_roc_curve(curve, curve.fpr.size()).fpr, curve.fpr);
  EXPECT_THROW(thin_roc_curve(curve, 1), host::Error);
}

// Four samples, four classes; class 3 never occurs and is never predicted.
const std::vector<float> kScores = {0.7f, 0.2f, 0.1f, 0.0f,   // label 0, predicted 0
                                    0.3f, 0.4f, 0.3f, 0.0f,   // label 1, predicted 1
                                    0.2f, 0.2f, 0.6f, 0.0f,   // label 2, predicted 2
                                    0.5f, 0.2f, 0.3f, 0.0f};  // label 1, predicted 0
const std::vector<int> kLabels = {0, 1, 2, 1};

TEST(RocAuc, OneVsRestPerClass) {
  const std::vector<double> auc = one_vs_rest_roc_auc(kScores, 4, kLabels);
  ASSERT_EQ(auc.size(), 4u);
  EXPECT_DOUBLE_EQ(auc[0], 1.0);
  // Class 1: positives 0.4 and 0.2 against negatives 0.2, 0.2 -> 2 + (1/2 + 1/2) of 4.
  EXPECT_DOUBLE_EQ(auc[1], 0.75);
  EXPECT_DOUBLE_EQ(auc[2], 1.0);
  EXPECT_TRUE(std::isnan(auc[3]));
  EXPECT_DOUBLE_EQ(mean_defined(auc), 2.75 / 3);
}

TEST(ClassificationReport, JsonHoldsEveryKey) {
  const ClassificationReport r =
      make_classification_report(kScores, 4, kLabels, 0.25, {"a", "b", "c", "d"});
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["samples"], 4);
  EXPECT_DOUBLE_EQ(j["accuracy_pct"].get<double>(), 75.0);
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 0.25);
  EXPECT_EQ(j["precision"], (nlohmann::json{0.5, 1.0, 1.0, 0.0}));
  EXPECT_EQ(j["recall"], (nlohmann::json{1.0, 0.5, 1.0, 0.0}));
  EXPECT_DOUBLE_EQ(j["f1"][0].get<double>(), 2.0 / 3);
  EXPECT_TRUE(j["roc_auc"][3].is_null());
  EXPECT_DOUBLE_EQ(j["roc_auc"][1].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["macro_roc_auc"].get<double>(), 2.75 / 3);
  // Class 'd' has no sample: the macro averages are over the other three.
  EXPECT_DOUBLE_EQ(j["macro_precision"].get<double>(), 2.5 / 3);
  EXPECT_EQ(j["macro_classes"], 3);
  EXPECT_DOUBLE_EQ(j["weighted_recall"].get<double>(), 0.75);
  EXPECT_EQ(j["confusion_matrix"],
            (nlohmann::json{{1, 0, 0, 0}, {1, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}}));
  EXPECT_EQ(j["support"], (nlohmann::json{1, 2, 1, 0}));
  EXPECT_EQ(j["class_names"][3], "d");
  // Class 0: positive 0.7 above every negative (0.5, 0.3, 0.2); class 3 has no positive.
  EXPECT_EQ(j["roc_curves"][0]["fpr"], (nlohmann::json{0.0, 0.0, 1.0 / 3, 2.0 / 3, 1.0}));
  EXPECT_EQ(j["roc_curves"][0]["tpr"], (nlohmann::json{0.0, 1.0, 1.0, 1.0, 1.0}));
  EXPECT_TRUE(j["roc_curves"][3].is_null());

  const std::string text = r.to_text();
  EXPECT_NE(text.find("macro"), std::string::npos) << text;
  EXPECT_NE(text.find("accuracy 75.00%"), std::string::npos) << text;
  EXPECT_NE(text.find("3 d"), std::string::npos) << text;
  EXPECT_NE(text.find("over the 3 of 4 classes present"), std::string::npos) << text;
  // The JSON reads back into the same report (a command prints its result as this table).
  EXPECT_EQ(ClassificationReport::from_json(j).to_text(), text);
}

TEST(ClassificationReport, WithoutLossOrNamesAndMismatchedNames) {
  const ClassificationReport r = make_classification_report(kScores, 4, kLabels);
  EXPECT_TRUE(r.to_json()["loss"].is_null());
  EXPECT_EQ(r.class_names, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_THROW(make_classification_report(kScores, 4, kLabels, 0.0, {"a"}), host::Error);
}

TEST(RegressionMetrics, HandComputedSingleTarget) {
  // Differences 0, 1, -1, 2: MAE 4/4, MSE 6/4; the targets' mean is 2.5 and their spread
  // 2.25 + 0.25 + 0.25 + 2.25 = 5, so R² = 1 - 6/5.
  const std::vector<float> targets = {1, 2, 3, 4}, predictions = {1, 3, 2, 6};
  const RegressionMetrics m = regression_metrics(predictions, targets, 1);
  EXPECT_DOUBLE_EQ(m.mae, 1.0);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(m.r2, -0.2);
  const RegressionMetrics perfect = regression_metrics(targets, targets, 1);
  EXPECT_DOUBLE_EQ(perfect.mae, 0.0);
  EXPECT_DOUBLE_EQ(perfect.r2, 1.0);
  // Predicting the mean scores R² 0.
  const std::vector<float> mean(4, 2.5f);
  EXPECT_DOUBLE_EQ(regression_metrics(mean, targets, 1).r2, 0.0);
}

TEST(RegressionMetrics, TargetsAveragedUniformlyAndConstantTargets) {
  // Interleaved: target 0 as above, target 1 constant 10 and predicted exactly (R² 1 by
  // scikit-learn's convention), so each metric is the mean of the two targets'.
  const std::vector<float> targets = {1, 10, 2, 10, 3, 10, 4, 10};
  const std::vector<float> predictions = {1, 10, 3, 10, 2, 10, 6, 10};
  const RegressionMetrics m = regression_metrics(predictions, targets, 2);
  EXPECT_DOUBLE_EQ(m.mae, 0.5);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(1.5) / 2);
  EXPECT_DOUBLE_EQ(m.r2, (-0.2 + 1.0) / 2);
  // A constant target missed scores 0, not -inf.
  const std::vector<float> constant = {10, 10}, off = {10, 11};
  EXPECT_DOUBLE_EQ(regression_metrics(off, constant, 1).r2, 0.0);
  EXPECT_THROW(regression_metrics(off, targets, 1), host::Error);
  EXPECT_THROW(regression_metrics({}, {}, 1), host::Error);
  EXPECT_THROW(regression_metrics(predictions, targets, 3), host::Error);
}

TEST(RunningMean, WeightsByCount) {
  RunningMean m;
  EXPECT_TRUE(std::isnan(m.mean()));
  m.add(1.0, 64);
  m.add(4.0, 16);  // a short last batch counts for its 16 samples only
  EXPECT_DOUBLE_EQ(m.mean(), (64.0 + 64.0) / 80);
  EXPECT_EQ(m.count(), 80);
}

}  // namespace
}  // namespace tinyforge::metrics
