// Stream post-processing (tinyforge/postprocess.h): scores as Q16 integers, the reconstruction
// error, the softmax of logits, averaging over the last N inferences, thresholds, re-arming and the
// refractory time.
#include "tinyforge/postprocess.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace tinyforge {
namespace {

TensorView int8_view(std::vector<int8_t>& values, const float* scale, const int64_t* zero_point) {
  TensorView v;
  v.type = DataType::kInt8;
  v.data = values.data();
  v.scales = scale;
  v.num_scales = 1;
  v.zero_points_raw = reinterpret_cast<const uint8_t*>(zero_point);
  v.num_zero_points = 1;
  return v;
}

TensorView float_view(std::vector<float>& values) {
  TensorView v;
  v.type = DataType::kFloat32;
  v.data = values.data();
  return v;
}

TEST(Postprocess, RoundingIsHalfAwayFromZeroAndSaturates) {
  EXPECT_EQ(round_to_int32(0.5f), 1);
  EXPECT_EQ(round_to_int32(-0.5f), -1);
  EXPECT_EQ(round_to_int32(0.49999997f), 0);
  EXPECT_EQ(round_to_int32(2.5f), 3);
  EXPECT_EQ(round_to_int32(-2.4f), -2);
  EXPECT_EQ(round_to_int32(8388609.0f), 8388609);
  EXPECT_EQ(round_to_int32(3e9f), INT32_MAX);
  EXPECT_EQ(round_to_int32(-3e9f), INT32_MIN);
  EXPECT_EQ(round_to_int32(std::numeric_limits<float>::infinity()), INT32_MAX);
  EXPECT_EQ(round_to_int32(std::numeric_limits<float>::quiet_NaN()), 0);
}

// A softmax output (scale 1/256, zero point -128): q = 127 is 255/256.
TEST(Postprocess, ScoresAreDequantizedQ16) {
  const float scale = 1.0f / 256;
  const int64_t zero_point = -128;
  std::vector<int8_t> q = {-128, 0, 127};
  const TensorView v = int8_view(q, &scale, &zero_point);
  EXPECT_EQ(score_q16(v, 0), 0);
  EXPECT_EQ(score_q16(v, 1), 128 * 256);
  EXPECT_EQ(score_q16(v, 2), 255 * 256);
  EXPECT_FLOAT_EQ(dequantized_value(v, 2), 255.0f / 256);

  std::vector<float> f = {0.75f, -1.5f, 1e30f};
  const TensorView fv = float_view(f);
  EXPECT_EQ(score_q16(fv, 0), 49152);
  EXPECT_EQ(score_q16(fv, 1), -98304);
  EXPECT_EQ(score_q16(fv, 2), INT32_MAX);
}

TEST(Postprocess, MeanSquaredErrorOfDequantizedValues) {
  const float scale = 0.5f;
  const int64_t zero_point = 2;
  std::vector<int8_t> q = {2, 4, 6, 8};  // 0, 1, 2, 3
  std::vector<float> f = {0.0f, 1.0f, 1.0f, 1.0f};
  // (0 + 0 + 1 + 4) / 4 = 1.25
  EXPECT_EQ(mean_squared_error_q16(int8_view(q, &scale, &zero_point), float_view(f), 4), 81920);
  EXPECT_EQ(mean_squared_error_q16(float_view(f), float_view(f), 4), 0);
  EXPECT_EQ(mean_squared_error_q16(float_view(f), float_view(f), 0), 0);
}

// Against double-precision softmax: within 1/65536 plus the rounding of each probability.
TEST(Postprocess, SoftmaxOfLogitsMatchesDoublePrecision) {
  const std::vector<std::vector<double>> cases = {
      {0.0, 0.0},      {2.0, 1.0, 0.1},      {-3.25, 7.5, 7.4, 0.0, -20.0},
      {100.0, -100.0}, {0.001, 0.0, -0.001}, {-5.0, -5.0, -5.0, -5.0}};
  for (const auto& logits : cases) {
    std::vector<int32_t> q16;
    for (double l : logits) q16.push_back(static_cast<int32_t>(std::lround(l * kScoreOne)));
    std::vector<int32_t> p(q16.size());
    softmax_q16(q16.data(), static_cast<int>(q16.size()), p.data());
    double largest = -1e300;
    for (int32_t v : q16) largest = std::max(largest, v / 65536.0);
    double total = 0;
    for (int32_t v : q16) total += std::exp(v / 65536.0 - largest);
    int64_t sum = 0;
    for (size_t i = 0; i < q16.size(); ++i) {
      const double expected = std::exp(q16[i] / 65536.0 - largest) / total * kScoreOne;
      EXPECT_NEAR(p[i], expected, 2.0) << "logit " << logits[i];
      sum += p[i];
    }
    EXPECT_NEAR(sum, kScoreOne, static_cast<double>(q16.size()));
  }
  // In place, as the stream pipeline calls it.
  std::vector<int32_t> scores = {kScoreOne, 0};
  softmax_q16(scores.data(), 2, scores.data());
  EXPECT_NEAR(scores[0], 0.7310585786 * kScoreOne, 1.0);
  EXPECT_NEAR(scores[1], 0.2689414214 * kScoreOne, 1.0);
}

TEST(Postprocess, AveragesTheLastNInferences) {
  std::vector<int32_t> history(3 * 2);
  ScoreAverager averager;
  ASSERT_EQ(averager.init(history.data(), 3, 2), Status::kOk);
  int32_t averages[2];
  const int32_t a[2] = {10, -10}, b[2] = {20, -21}, c[2] = {60, 0}, d[2] = {100, 100};
  averager.add(a, averages);  // one so far
  EXPECT_EQ(averages[0], 10);
  EXPECT_EQ(averages[1], -10);
  averager.add(b, averages);  // 15, -15.5 -> -16 (half away from zero)
  EXPECT_EQ(averages[0], 15);
  EXPECT_EQ(averages[1], -16);
  averager.add(c, averages);  // 30, -31/3
  EXPECT_EQ(averages[0], 30);
  EXPECT_EQ(averages[1], -10);
  averager.add(d, averages);  // a drops out: (20 + 60 + 100) / 3, (-21 + 0 + 100) / 3
  EXPECT_EQ(averages[0], 60);
  EXPECT_EQ(averages[1], 26);
  averager.reset();
  averager.add(a, averages);
  EXPECT_EQ(averages[0], 10);
  EXPECT_EQ(averager.init(nullptr, 3, 2), Status::kInvalidArgument);
  EXPECT_EQ(averager.init(history.data(), 0, 2), Status::kInvalidArgument);
}

TEST(Postprocess, BestArmedClassAboveItsThresholdFires) {
  const int32_t thresholds[3] = {kNeverFires, 100, 200};
  uint8_t armed[3];
  EventDetector detector;
  ASSERT_EQ(detector.init(thresholds, armed, 3, 0), Status::kOk);
  Event e;
  const int32_t quiet[3] = {1000, 99, 199};  // the never-firing class is far above: nothing
  EXPECT_FALSE(detector.update(quiet, 0, &e));
  const int32_t both[3] = {0, 150, 250};  // both reach theirs: the higher score wins
  ASSERT_TRUE(detector.update(both, 10, &e));
  EXPECT_EQ(e.label, 2);
  EXPECT_EQ(e.score, 250);
  EXPECT_EQ(e.time_ms, 10u);
  // Class 2 is disarmed while it stays above its threshold; class 1 is still armed.
  ASSERT_TRUE(detector.update(both, 20, &e));
  EXPECT_EQ(e.label, 1);
  EXPECT_FALSE(detector.update(both, 30, &e));
  // Falling below re-arms.
  const int32_t low[3] = {0, 0, 0};
  EXPECT_FALSE(detector.update(low, 40, &e));
  ASSERT_TRUE(detector.update(both, 50, &e));
  EXPECT_EQ(e.label, 2);
}

TEST(Postprocess, NoEventDuringTheRefractoryTime) {
  const int32_t thresholds[2] = {100, 100};
  uint8_t armed[2];
  EventDetector detector;
  ASSERT_EQ(detector.init(thresholds, armed, 2, 1000), Status::kOk);
  Event e;
  const int32_t first[2] = {500, 0}, second[2] = {0, 500};
  ASSERT_TRUE(detector.update(first, 4294967000u, &e));           // just before the counter wraps
  EXPECT_FALSE(detector.update(second, 4294967000u + 999u, &e));  // wrapped, 999 ms later
  ASSERT_TRUE(detector.update(second, 4294967000u + 1000u, &e));
  EXPECT_EQ(e.label, 1);
  EXPECT_EQ(e.time_ms, 4294967000u + 1000u);
  detector.reset();
  EXPECT_TRUE(detector.update(first, 5, &e));
  EXPECT_EQ(detector.init(thresholds, nullptr, 2, 0), Status::kInvalidArgument);
}

}  // namespace
}  // namespace tinyforge
