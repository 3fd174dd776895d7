// mAP as COCO computes it (toolkit/metrics/box_metrics.h), on hand-made cases whose answers are
// worked out in the comments: 101-point interpolated precision per class, greedy matching by score,
// IoU thresholds 0.50:0.05:0.95, difficult boxes ignored as VOC does.
#include "toolkit/metrics/box_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tinyforge::metrics {
namespace {

data::Box truth(int label, float x0, float y0, float x1, float y1, bool difficult = false) {
  data::Box b;
  b.label = label;
  b.xmin = x0;
  b.ymin = y0;
  b.xmax = x1;
  b.ymax = y1;
  b.difficult = difficult;
  return b;
}

DetectedBox on(const data::Box& b, float score) {
  return {b.label, score, b.xmin, b.ymin, b.xmax, b.ymax};
}

const data::Box kA = truth(1, 0, 0, 10, 10);
const data::Box kB = truth(1, 20, 20, 30, 30);
const data::Box kC = truth(2, 40, 0, 50, 10);
const DetectedBox kNowhere{1, 0.95f, 60, 60, 70, 70};

TEST(BoxMetrics, PerfectPredictionsScoreOne) {
  const BoxReport r =
      box_report({{on(kA, 0.9f), on(kB, 0.8f)}, {on(kC, 0.7f)}}, {{kA, kB}, {kC}}, 3);
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_DOUBLE_EQ(r.map50_95, 1.0);
  EXPECT_DOUBLE_EQ(r.at50.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.at50.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.at50.count_mae, 0.0);
}

TEST(BoxMetrics, AFalsePositiveRankedFirstCapsPrecision) {
  // Ranked: FP, TP(A), TP(B): recall 0, 1/2, 1 at precision 0, 1/2, 2/3; made non-increasing
  // from the right every point reads 2/3.
  const BoxReport r = box_report({{kNowhere, on(kA, 0.9f), on(kB, 0.8f)}}, {{kA, kB}}, 2);
  EXPECT_NEAR(r.map50, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.map50_95, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(r.at50.classes[1].false_positives, 1);
  EXPECT_NEAR(r.at50.precision, 2.0 / 3.0, 1e-12);
}

TEST(BoxMetrics, ADuplicateIsAFalsePositive) {
  // Ranked: TP(A) 0.9, A again 0.8 (A is taken: FP), TP(B) 0.7. Recall 1/2, 1/2, 1 at precision
  // 1, 1/2, 2/3 -> envelope 1, 2/3, 2/3. Recalls 0..0.50 (51 points) read 1, 0.51..1 (50) 2/3.
  const BoxReport r = box_report({{on(kA, 0.9f), on(kA, 0.8f), on(kB, 0.7f)}}, {{kA, kB}}, 2);
  const double expected = (51 * 1.0 + 50 * 2.0 / 3.0) / 101;
  EXPECT_NEAR(r.map50, expected, 1e-12);
  EXPECT_EQ(r.at50.classes[1].true_positives, 2);
  EXPECT_EQ(r.at50.classes[1].false_positives, 1);
}

TEST(BoxMetrics, MissedBoxesLimitRecall) {
  // One of two boxes found: recall 1/2 at precision 1; the 50 recalls above 0.5 read 0.
  const BoxReport r = box_report({{on(kA, 0.9f)}}, {{kA, kB}}, 2);
  EXPECT_NEAR(r.map50, 51.0 / 101.0, 1e-12);
  EXPECT_EQ(r.at50.classes[1].false_negatives, 1);
  EXPECT_DOUBLE_EQ(r.at50.recall, 0.5);
  // No predictions at all: AP 0, not NaN.
  EXPECT_DOUBLE_EQ(box_report({{}}, {{kA}}, 2).map50, 0.0);
}

TEST(BoxMetrics, ClassesAreAveragedAndAClassWithoutBoxesIsLeftOut) {
  // Class 1: A found, B missed (51/101); class 2: C found (1). Class 3 has a false positive but
  // no box: COCO leaves it out of the mean.
  const DetectedBox stray{3, 0.99f, 80, 80, 90, 90};
  const BoxReport r = box_report({{on(kA, 0.9f), on(kC, 0.8f), stray}}, {{kA, kB, kC}}, 4);
  EXPECT_NEAR(r.map50, (51.0 / 101.0 + 1.0) / 2, 1e-12);
  EXPECT_TRUE(std::isnan(r.average_precision[3][0]));
  EXPECT_TRUE(r.to_json({"background", "a", "c", "d"})["per_class"]["d"]["ap50"].is_null());
}

TEST(BoxMetrics, DifficultBoxesAreNeitherFoundNorMissed) {
  // A detection on the difficult box is ignored (not a false positive, though ranked first);
  // missing it is no miss either: the one real box found makes AP 1.
  const data::Box hard = truth(1, 40, 40, 50, 50, true);
  EXPECT_DOUBLE_EQ(box_report({{on(hard, 0.99f), on(kA, 0.5f)}}, {{kA, hard}}, 2).map50, 1.0);
  EXPECT_DOUBLE_EQ(box_report({{on(kA, 0.5f)}}, {{kA, hard}}, 2).map50, 1.0);
  // Only difficult boxes: the class has nothing to find.
  EXPECT_TRUE(std::isnan(box_report({{}}, {{hard}}, 2).map50));
}

TEST(BoxMetrics, StricterThresholdsNeedTighterBoxes) {
  // IoU 72/100 = 0.72 matches at 0.50..0.70 (5 thresholds) and not at 0.75..0.95.
  const DetectedBox loose{1, 0.9f, 0, 0, 10, 7.2f};
  const BoxReport r = box_report({{loose}}, {{kA}}, 2);
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_NEAR(r.map50_95, 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(r.average_precision[1][4], 1.0);
  EXPECT_DOUBLE_EQ(r.average_precision[1][5], 0.0);
}

TEST(BoxMetrics, EachDetectionTakesTheBestOverlappingFreeBox) {
  // Two overlapping boxes; the best detection is B2 exactly (IoU 90/110 with B1) and takes B2,
  // not the first box it overlaps enough; the second, B1 exactly, takes B1: both right, AP 1.
  const data::Box b1 = truth(1, 0, 0, 10, 10), b2 = truth(1, 1, 0, 11, 10);
  const DetectedBox d1{1, 0.9f, 1, 0, 11, 10}, d2{1, 0.8f, 0, 0, 10, 10};
  const BoxReport r = box_report({{d1, d2}}, {{b1, b2}}, 2);
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_DOUBLE_EQ(r.map50_95, 1.0);
  EXPECT_NEAR(iou_threshold(9), 0.95, 1e-12);
  EXPECT_NEAR(box_iou(0, 0, 10, 10, 0, 0, 10, 7.2f), 0.72, 1e-6);
}

}  // namespace
}  // namespace tinyforge::metrics
