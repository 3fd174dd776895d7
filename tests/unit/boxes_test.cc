// The box detector's post-processing (tinyforge/boxes.h) on hand-made grids: per object cell a box
// from its offset and size (in cells), peaks as the centroid decoder finds them, suppression of a
// box that overlaps a better one of its class, the same boxes from int8 and float outputs.
#include "tinyforge/boxes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tinyforge {
namespace {

constexpr int kRows = 4, kCols = 4, kClasses = 3, kChannels = kClasses + kBoxValues;

// A 4x4 grid over a 32x32 image (8-pixel cells): every cell background unless set.
struct Grid {
  std::vector<float> values = std::vector<float>(kRows * kCols * kChannels, 0.0f);
  int32_t dims[4] = {1, kRows, kCols, kChannels};
  Grid() {
    for (int cell = 0; cell < kRows * kCols; ++cell) values[cell * kChannels] = 5.0f;
  }
  // An object of `label` whose box has its centre (dx, dy) cells from the cell's corner and is
  // w x h cells.
  void set(int row, int col, int label, float logit, float dx, float dy, float w, float h) {
    float* c = &values[(row * kCols + col) * kChannels];
    c[0] = 0.0f;
    c[label] = logit;
    c[kClasses] = dx;
    c[kClasses + 1] = dy;
    c[kClasses + 2] = w;
    c[kClasses + 3] = h;
  }
  TensorView view() {
    TensorView v;
    v.type = DataType::kFloat32;
    v.rank = 4;
    v.dims = dims;
    v.data = values.data();
    return v;
  }
};

BoxOptions options() {
  BoxOptions o;
  o.classes = kClasses;
  o.input_width = 32;
  o.input_height = 32;
  return o;
}

TEST(Boxes, ObjectCellsGiveBoxesFromTheirOffsetAndSize) {
  Grid g;
  // Cell (1, 2): centre at (2.5, 1.5) cells = (20, 12) px, 1 x 0.5 cells = 8 x 4 px.
  g.set(1, 2, 1, 4.0f, 0.5f, 0.5f, 1.0f, 0.5f);
  // Cell (3, 0), class 2, stronger: centre (0.25, 3.75) cells = (2, 30) px, 2 x 2 cells: clamped.
  g.set(3, 0, 2, 6.0f, 0.25f, 0.75f, 2.0f, 2.0f);
  BoxObject boxes[4];
  int count = -1, found = -1;
  ASSERT_EQ(decode_boxes(g.view(), options(), boxes, 4, &count, &found), Status::kOk);
  ASSERT_EQ(count, 2);
  EXPECT_EQ(found, 2);
  EXPECT_EQ(boxes[0].label, 2);
  EXPECT_EQ(boxes[0].xmin, 0);  // 2 - 8 < 0
  EXPECT_EQ(boxes[0].xmax, 10);
  EXPECT_EQ(boxes[0].ymin, 22);
  EXPECT_EQ(boxes[0].ymax, 32);  // 30 + 8 > 32
  EXPECT_EQ(boxes[1].label, 1);
  EXPECT_EQ(boxes[1].row, 1);
  EXPECT_EQ(boxes[1].col, 2);
  EXPECT_EQ(boxes[1].xmin, 16);
  EXPECT_EQ(boxes[1].xmax, 24);
  EXPECT_EQ(boxes[1].ymin, 10);
  EXPECT_EQ(boxes[1].ymax, 14);
  EXPECT_GT(boxes[0].score, boxes[1].score);
}

TEST(Boxes, SuppressionDropsABoxOverlappingABetterOneOfItsClass) {
  Grid g;
  // Two class-1 peaks two cells apart whose boxes overlap: 4x4 cells centred at (4, 4) px and
  // at (16, 4) px, clamped to (0,0)-(20,20) and (0,0)-(32,20): IoU 400 / 640 = 0.625.
  g.set(0, 0, 1, 6.0f, 0.5f, 0.5f, 4.0f, 4.0f);
  g.set(0, 2, 1, 4.0f, 0.0f, 0.5f, 4.0f, 4.0f);
  // A class-2 box over the same place is not suppressed by class 1.
  g.set(2, 1, 2, 4.0f, 0.5f, 0.5f, 4.0f, 4.0f);
  BoxObject boxes[4];
  int count = 0, found = 0;
  ASSERT_EQ(decode_boxes(g.view(), options(), boxes, 4, &count, &found), Status::kOk);
  ASSERT_EQ(count, 2);
  EXPECT_EQ(found, 2);
  EXPECT_EQ(boxes[0].label, 1);
  EXPECT_EQ(boxes[0].col, 0);
  EXPECT_EQ(boxes[1].label, 2);
  // Above the overlap, both stay.
  BoxOptions loose = options();
  loose.iou_threshold = kScoreOne * 7 / 10;
  ASSERT_EQ(decode_boxes(g.view(), loose, boxes, 4, &count, &found), Status::kOk);
  EXPECT_EQ(count, 3);
  // The list is capped; found tells how many there were.
  ASSERT_EQ(decode_boxes(g.view(), loose, boxes, 1, &count, &found), Status::kOk);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(found, 3);
  EXPECT_EQ(boxes[0].col, 0);
}

TEST(Boxes, IouInQ16) {
  BoxObject a, b;
  a.xmax = a.ymax = 10;
  b.xmin = 5;
  b.xmax = 15;
  b.ymax = 10;
  EXPECT_EQ(box_iou_q16(a, b), kScoreOne / 3);  // 50 / 150
  b.xmin = 10;
  EXPECT_EQ(box_iou_q16(a, b), 0);
}

TEST(Boxes, Int8OutputsGiveTheBoxesTheirDequantizedValuesGive) {
  Grid g;
  g.set(1, 1, 1, 4.0f, 0.5f, 0.25f, 1.5f, 1.0f);
  g.set(2, 3, 2, 3.0f, 0.75f, 0.5f, 0.5f, 2.0f);
  const float scale = 0.05f;
  const int64_t zero_point = -10;  // read as 8 bytes (tensor.h)
  std::vector<int8_t> q(g.values.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const int v = static_cast<int>(std::lround(g.values[i] / scale) + zero_point);
    q[i] = static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
    g.values[i] = (q[i] - zero_point) * scale;
  }
  TensorView quantized = g.view();
  quantized.type = DataType::kInt8;
  quantized.data = q.data();
  quantized.scales = &scale;
  quantized.num_scales = 1;
  quantized.zero_points_raw = reinterpret_cast<const uint8_t*>(&zero_point);
  quantized.num_zero_points = 1;
  BoxObject from_float[4], from_int8[4];
  int nf = 0, nq = 0;
  ASSERT_EQ(decode_boxes(g.view(), options(), from_float, 4, &nf, nullptr), Status::kOk);
  ASSERT_EQ(decode_boxes(quantized, options(), from_int8, 4, &nq, nullptr), Status::kOk);
  ASSERT_EQ(nf, 2);
  ASSERT_EQ(nq, nf);
  for (int i = 0; i < nf; ++i) {
    EXPECT_EQ(from_int8[i].label, from_float[i].label);
    EXPECT_EQ(from_int8[i].score, from_float[i].score);
    EXPECT_EQ(from_int8[i].xmin, from_float[i].xmin);
    EXPECT_EQ(from_int8[i].ymax, from_float[i].ymax);
  }
}

TEST(Boxes, RejectsAGridWithoutFourBoxValues) {
  Grid g;
  BoxOptions o = options();
  o.classes = kClasses + 1;  // then only 3 values are left per cell
  BoxObject boxes[2];
  int count = 0;
  EXPECT_EQ(decode_boxes(g.view(), o, boxes, 2, &count, nullptr), Status::kInvalidArgument);
  o.classes = 1;
  EXPECT_EQ(decode_boxes(g.view(), o, boxes, 2, &count, nullptr), Status::kInvalidArgument);
}

}  // namespace
}  // namespace tinyforge
