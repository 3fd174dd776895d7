// Calibrators on data with outliers, and the per-layer error report of a quantized model run in
// our runtime.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/error_report.h"
#include "toolkit/quantize/histogram.h"
#include "toolkit/quantize/ptq.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using graph::Tensor;

// 100,000 values uniform in [-1, 1] and one outlier at 50: the range of input `x` per method.
Range input_range(Calibrator method) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor samples({1000, 100});
  for (int64_t i = 0; i < samples.size(); ++i) samples[i] = dist(rng);
  samples[12345] = 50.0f;
  Graph g;
  const int x = g.add_input("x", {-1, 100});
  g.set_outputs({g.add_node(OpType::kRelu, {x}, {}, "relu")});
  CalibrationOptions options;
  options.method = method;
  const Calibration cal = calibrate(g, batches_of(samples, 0, 250), options);
  EXPECT_EQ(cal.samples, 1000);
  return cal.ranges.at(x);
}

TEST(QuantizeCalibrationTest, MinMaxKeepsTheOutlier) {
  const Range r = input_range(Calibrator::kMinMax);
  EXPECT_FLOAT_EQ(r.max, 50.0f);
  EXPECT_NEAR(r.min, -1.0f, 1e-3f);
}

TEST(QuantizeCalibrationTest, PercentileClipsTheOutlier) {
  // 99.99% of |x| lies below 1 (one value in 100,000 is the outlier); bins are 50/2048 wide.
  const Range r = input_range(Calibrator::kPercentile);
  EXPECT_GE(r.max, 0.99f);
  EXPECT_LE(r.max, 1.0f + 50.0f / 2048.0f);
  EXPECT_NEAR(r.min, -r.max, 50.0f / 2048.0f + 1e-3f);
}

TEST(QuantizeCalibrationTest, MseClipsTheOutlierWhereTheErrorIsSmallest) {
  // Clipping the one outlier at T costs (50 - T)^2; the 99,999 others cost step^2 / 12 each with
  // step = 2T / 255 (two-sided data), i.e. a T^2 with a = 99999 * 4 / (255^2 * 12). The sum is
  // smallest at T = 50 / (1 + a), about 33: MSE clips, but far less than the percentile does.
  const Range r = input_range(Calibrator::kMse);
  const double a = 99999.0 * 4.0 / (255.0 * 255.0 * 12.0);
  EXPECT_NEAR(r.max, 50.0 / (1.0 + a), 2.0 * 50.0 / 2048.0);
  EXPECT_LT(r.max, 50.0f);
}

TEST(QuantizeCalibrationTest, MseThresholdOnHandMadeHistogram) {
  // Values evenly spread in [0, 1] and nothing beyond: clipping only adds error, so T = max.
  AbsHistogram h(1.0f, 100);
  std::vector<float> x(10000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (static_cast<float>(i) + 0.5f) / x.size();
  h.add(x.data(), static_cast<int64_t>(x.size()));
  EXPECT_FLOAT_EQ(mse_threshold(h, false, DataType::kInt8), 1.0f);
  EXPECT_NEAR(percentile_threshold(h, 50.0), 0.5f, 0.011f);
}

TEST(QuantizeCalibrationTest, EveryRangeIncludesZero) {
  Graph g;
  const int x = g.add_input("x", {-1, 2});
  g.set_outputs({g.add_node(OpType::kAdd, {x, g.add_constant("k", Tensor({2}, 5.0f))}, {}, "add")});
  const Tensor samples({4, 2}, std::vector<float>{1, 2, 3, 4, 1.5f, 2, 3, 1});
  for (Calibrator c : {Calibrator::kMinMax, Calibrator::kPercentile, Calibrator::kMse}) {
    CalibrationOptions options;
    options.method = c;
    const Calibration cal = calibrate(g, batches_of(samples, 0, 4), options);
    for (const auto& [id, r] : cal.ranges) {
      EXPECT_LE(r.min, 0.0f) << calibrator_name(c);
      EXPECT_GE(r.max, 0.0f) << calibrator_name(c);
    }
    EXPECT_FLOAT_EQ(cal.ranges.at(x).min, 0.0f);
  }
}

TEST(QuantizeCalibrationTest, ErrorReportPerLayer) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  auto random = [&](graph::Shape s) {
    Tensor t(s);
    for (int64_t i = 0; i < t.size(); ++i) t[i] = dist(rng);
    return t;
  };
  Graph g;
  const int x = g.add_input("x", {-1, 16});
  graph::Attributes relu;
  relu.activation = graph::Activation::kRelu;
  int h =
      g.add_node(OpType::kFullyConnected,
                 {x, g.add_parameter("w1", random({12, 16})), g.add_parameter("b1", random({12}))},
                 relu, "fc1");
  h = g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("w2", random({3, 12})), g.add_parameter("b2", random({3}))},
                 {}, "fc2");
  g.set_outputs({g.add_node(OpType::kSoftmax, {h}, {}, "softmax")});
  Tensor samples = random({64, 16});
  const BatchProvider batches = batches_of(samples, 0, 16);
  const Graph q8 = quantize_graph(g, calibrate(g, batches), {Scheme::kInt8});
  const Graph q16 = quantize_graph(g, calibrate(g, batches), {Scheme::kInt16x8});
  const ErrorReport r8 = quantization_error_report(g, q8, batches);
  const ErrorReport r16 = quantization_error_report(g, q16, batches);
  ASSERT_EQ(r8.layers.size(), 3u);
  EXPECT_EQ(r8.samples, 64);
  EXPECT_EQ(r8.layers[0].name, "fc1");
  EXPECT_EQ(r8.layers[2].op, "Softmax");
  for (size_t i = 0; i < 3; ++i) {
    const LayerError& e = r8.layers[i];
    EXPECT_GT(e.sqnr_db, 20.0) << e.name;  // int8 keeps the signal well above the noise
    EXPECT_LE(e.max_abs_error, 4.0 * e.scale) << e.name;
    EXPECT_LE(e.rmse, e.max_abs_error);
    // 16x8 only rounds activations finer; int8 weights remain, so it is better but not exact.
    EXPECT_GT(r16.layers[i].sqnr_db, e.sqnr_db) << e.name;
  }
  const nlohmann::json j = r8.to_json();
  EXPECT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["layers"][1]["name"], "fc2");
  EXPECT_NE(r8.to_text().find("softmax"), std::string::npos);
}

}  // namespace
}  // namespace tinyforge::quantize
