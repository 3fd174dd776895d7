// The centroid detector's post-processing (tinyforge/centroids.h) on hand-made grids: an object is
// a cell whose best class is not the background, at or above the threshold, and not outscored by
// a neighbour of its class; the list is sorted, capped, and the same from int8 and float scores.
#include "tinyforge/centroids.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tinyforge {
namespace {

constexpr int kRows = 4, kCols = 4, kClasses = 3;

// Logits of a 4x4 grid of 3 classes: every cell background unless set.
struct Grid {
  std::vector<float> logits = std::vector<float>(kRows * kCols * kClasses, 0.0f);
  int32_t dims[4] = {1, kRows, kCols, kClasses};
  Grid() {
    for (int cell = 0; cell < kRows * kCols; ++cell) logits[cell * kClasses] = 5.0f;
  }
  void set(int row, int col, int label, float logit) {
    float* c = &logits[(row * kCols + col) * kClasses];
    c[0] = 0.0f;
    c[label] = logit;
  }
  TensorView view() {
    TensorView v;
    v.type = DataType::kFloat32;
    v.rank = 4;
    v.dims = dims;
    v.data = logits.data();
    return v;
  }
};

CentroidOptions options() {
  CentroidOptions o;
  o.input_width = 32;
  o.input_height = 32;
  return o;
}

TEST(Centroids, PeaksOfObjectClassesBecomeObjectsAtTheirCellCentres) {
  Grid g;
  g.set(0, 0, 1, 4.0f);  // class 1 at (0,0) ...
  g.set(0, 1, 1, 3.0f);  // ... its weaker neighbour is the same object
  g.set(2, 3, 2, 6.0f);  // class 2
  g.set(3, 0, 1, 0.1f);  // best class 1 but below the threshold: p = e^0.1 / (e^0.1 + 2) < 0.5
  CentroidObject objects[8];
  int count = -1, found = -1;
  ASSERT_EQ(decode_centroids(g.view(), options(), objects, 8, &count, &found), Status::kOk);
  ASSERT_EQ(count, 2);
  EXPECT_EQ(found, 2);
  // Highest score first: the class-2 cell's probability is the larger.
  EXPECT_EQ(objects[0].label, 2);
  EXPECT_EQ(objects[0].row, 2);
  EXPECT_EQ(objects[0].col, 3);
  EXPECT_EQ(objects[0].x, 28);  // the centre of cell column 3 of 8-pixel cells
  EXPECT_EQ(objects[0].y, 20);
  EXPECT_NEAR(objects[0].score / 65536.0, std::exp(6.0) / (std::exp(6.0) + 2), 1e-4);
  EXPECT_EQ(objects[1].label, 1);
  EXPECT_EQ(objects[1].x, 4);
  EXPECT_EQ(objects[1].y, 4);
}

TEST(Centroids, EqualNeighboursKeepTheFirstInRasterOrderAndOtherClassesDoNotSuppress) {
  Grid g;
  g.set(1, 1, 1, 4.0f);
  g.set(1, 2, 1, 4.0f);  // tie: (1,1) comes first
  g.set(2, 2, 2, 9.0f);  // another class next to them suppresses neither
  CentroidObject objects[8];
  int count = 0;
  ASSERT_EQ(decode_centroids(g.view(), options(), objects, 8, &count, nullptr), Status::kOk);
  ASSERT_EQ(count, 2);
  EXPECT_EQ(objects[0].label, 2);
  EXPECT_EQ(objects[1].label, 1);
  EXPECT_EQ(objects[1].col, 1);
}

TEST(Centroids, TheListKeepsTheBestWhenFullAndCountsAllFound) {
  Grid g;
  g.set(0, 0, 1, 2.0f);
  g.set(0, 2, 1, 5.0f);
  g.set(2, 0, 2, 3.0f);
  g.set(2, 2, 2, 4.0f);
  CentroidObject objects[2];
  int count = 0, found = 0;
  ASSERT_EQ(decode_centroids(g.view(), options(), objects, 2, &count, &found), Status::kOk);
  EXPECT_EQ(count, 2);
  EXPECT_EQ(found, 4);
  EXPECT_EQ(objects[0].col, 2);
  EXPECT_EQ(objects[0].row, 0);
  EXPECT_EQ(objects[1].row, 2);
  EXPECT_EQ(objects[1].col, 2);
}

TEST(Centroids, Int8ScoresGiveTheObjectsTheirDequantizedValuesGive) {
  Grid g;
  g.set(1, 3, 2, 3.0f);
  g.set(3, 3, 1, 2.5f);
  const float scale = 0.05f;
  const int64_t zero_point = -10;
  std::vector<int8_t> q(g.logits.size());
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = static_cast<int8_t>(std::lround(g.logits[i] / scale) + zero_point);
  for (size_t i = 0; i < q.size(); ++i) g.logits[i] = (q[i] - zero_point) * scale;
  TensorView v = g.view();
  v.type = DataType::kInt8;
  v.data = q.data();
  v.scales = &scale;
  v.num_scales = 1;
  v.zero_points_raw = reinterpret_cast<const uint8_t*>(&zero_point);
  v.num_zero_points = 1;
  CentroidObject a[4], b[4];
  int na = 0, nb = 0;
  ASSERT_EQ(decode_centroids(v, options(), a, 4, &na, nullptr), Status::kOk);
  ASSERT_EQ(decode_centroids(g.view(), options(), b, 4, &nb, nullptr), Status::kOk);
  ASSERT_EQ(na, 2);
  ASSERT_EQ(na, nb);
  for (int i = 0; i < na; ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    EXPECT_EQ(a[i].score, b[i].score);
    EXPECT_EQ(a[i].x, b[i].x);
  }
}

TEST(Centroids, RefusesWhatIsNotAGridOfClassScores) {
  Grid g;
  TensorView v = g.view();
  CentroidObject objects[2];
  int count = 0;
  v.rank = 2;
  EXPECT_EQ(decode_centroids(v, options(), objects, 2, &count, nullptr), Status::kInvalidArgument);
  int32_t one_class[4] = {1, kRows, kCols, 1};
  v = g.view();
  v.dims = one_class;
  EXPECT_EQ(decode_centroids(v, options(), objects, 2, &count, nullptr), Status::kInvalidArgument);
  EXPECT_EQ(decode_centroids(g.view(), options(), objects, 2, nullptr, nullptr),
            Status::kInvalidArgument);
}

}  // namespace
}  // namespace tinyforge
