// Centroid detection metrics (toolkit/metrics/centroid_metrics.h) on hand-made cases: a
// prediction matches a box of its class that contains its centre, one match per box, difficult
// boxes neither missed nor false alarms, and the counting error.
#include "toolkit/metrics/centroid_metrics.h"

#include <gtest/gtest.h>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {
namespace {

using data::Box;

TEST(CentroidMetrics, MatchesCentresInsideBoxesOncePerBox) {
  // Image 0: two class-1 boxes; one found twice (one true, one false positive), one missed.
  // Image 1: a class-2 box found; a class-1 prediction on it is a false positive.
  const std::vector<std::vector<Box>> truth = {
      {{1, 0, 0, 10, 10}, {1, 20, 20, 30, 30}},
      {{2, 5, 5, 15, 15}},
  };
  const std::vector<std::vector<DetectedObject>> predicted = {
      {{1, 0.9f, 5, 5}, {1, 0.8f, 6, 6}},
      {{2, 0.7f, 10, 10}, {1, 0.6f, 12, 12}},
  };
  const CentroidReport r = centroid_report(predicted, truth, 3);
  EXPECT_EQ(r.classes[1].true_positives, 1);
  EXPECT_EQ(r.classes[1].false_positives, 2);
  EXPECT_EQ(r.classes[1].false_negatives, 1);
  EXPECT_EQ(r.classes[1].objects, 2);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[1].f1, 0.4);
  EXPECT_DOUBLE_EQ(r.classes[2].f1, 1.0);
  EXPECT_DOUBLE_EQ(r.f1, 0.7);
  EXPECT_DOUBLE_EQ(r.precision, (1.0 / 3 + 1) / 2);
  // Counts: image 0 predicts 2 of the 2 class-1 objects (error 0); image 1 one class-1 too many.
  EXPECT_DOUBLE_EQ(r.count_mae, 0.5);
  const nlohmann::json j = r.to_json({"background", "cup", "pen"});
  EXPECT_DOUBLE_EQ(j["per_class"]["cup"]["recall"].get<double>(), 0.5);
  EXPECT_EQ(j["images"], 2);
}

TEST(CentroidMetrics, TheBoxBorderCountsAsInsideAndTheBestScoreMatchesFirst) {
  const std::vector<std::vector<Box>> truth = {{{1, 0, 0, 8, 8}}};
  // The weaker prediction comes first in the list; the stronger one takes the box.
  const std::vector<std::vector<DetectedObject>> predicted = {{{1, 0.2f, 8, 8}, {1, 0.9f, 4, 4}}};
  const CentroidReport r = centroid_report(predicted, truth, 2);
  EXPECT_EQ(r.classes[1].true_positives, 1);
  EXPECT_EQ(r.classes[1].false_positives, 1);
}

TEST(CentroidMetrics, DifficultBoxesAreNeitherMissedNorFalseAlarms) {
  Box difficult{1, 0, 0, 10, 10};
  difficult.difficult = true;
  const std::vector<std::vector<Box>> truth = {{difficult, {1, 20, 20, 30, 30}}};
  const std::vector<std::vector<DetectedObject>> found = {{{1, 0.9f, 5, 5}, {1, 0.9f, 25, 25}}};
  const CentroidReport r = centroid_report(found, truth, 2);
  EXPECT_EQ(r.classes[1].true_positives, 1);
  EXPECT_EQ(r.classes[1].false_positives, 0);
  EXPECT_EQ(r.classes[1].objects, 1);
  const std::vector<std::vector<DetectedObject>> missed = {{{1, 0.9f, 25, 25}}};
  EXPECT_EQ(centroid_report(missed, truth, 2).classes[1].false_negatives, 0);
}

TEST(CentroidMetrics, ASilentDetectorScoresZeroAndNothingToFindScoresOne) {
  const std::vector<std::vector<Box>> truth = {{{1, 0, 0, 10, 10}}, {}};
  const CentroidReport silent = centroid_report({{}, {}}, truth, 3);
  EXPECT_DOUBLE_EQ(silent.f1, 0.0);
  EXPECT_DOUBLE_EQ(silent.recall, 0.0);
  EXPECT_DOUBLE_EQ(silent.count_mae, 0.5);
  const CentroidReport empty = centroid_report({{}}, {{}}, 3);
  EXPECT_DOUBLE_EQ(empty.classes[1].f1, 1.0);
  EXPECT_THROW(centroid_report({{{5, 1, 1, 1}}}, {{}}, 3), host::Error);
  EXPECT_THROW(centroid_report({}, {{}}, 3), host::Error);
}

}  // namespace
}  // namespace tinyforge::metrics
