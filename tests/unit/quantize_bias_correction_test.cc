// Bias correction: a layer whose weights all round the same way has a systematic output error;
// after correction the quantized model (run in the runtime) has no mean error left per channel and
// a smaller error overall, and the file is still an ordinary int8 model.
#include "toolkit/quantize/bias_correction.h"

#include <gtest/gtest.h>

#include <random>

#include "toolkit/quantize/error_report.h"
#include "toolkit/quantize/ptq.h"

namespace tinyforge::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using graph::Tensor;

TEST(QuantizeBiasCorrection, RemovesTheMeanErrorOfSystematicRounding) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  constexpr int kIn = 16, kOut = 4;
  // Row c: one weight sets the per-channel scale (1/127); the others sit 0.4 steps above zero
  // and all round down to 0, so every output is too small by 0.4 steps times the input sum.
  Tensor w({kOut, kIn});
  for (int c = 0; c < kOut; ++c)
    for (int i = 0; i < kIn; ++i) w[c * kIn + i] = i == 0 ? 1.0f : 0.4f / 127.0f;
  Tensor b({kOut});
  Graph g;
  const int x = g.add_input("x", {-1, kIn});
  const int fc = g.add_node(OpType::kFullyConnected,
                            {x, g.add_parameter("w", w), g.add_parameter("b", b)}, {}, "fc");
  g.set_outputs({fc});
  Tensor samples({128, kIn});
  for (int64_t i = 0; i < samples.size(); ++i) samples[i] = unit(rng);
  const BatchProvider batches = batches_of(samples, 0, 32);
  Graph q = quantize_graph(g, calibrate(g, batches), {Scheme::kInt8});
  const double rmse_before = quantization_error_report(g, q, batches).layers.at(0).rmse;

  const std::vector<BiasCorrection> first = correct_biases(g, q, batches);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].name, "fc");
  EXPECT_EQ(first[0].channels, kOut);
  EXPECT_GT(first[0].mean_shift_steps, 1.0);  // 0.4/127 * ~7.5 per output: a few steps

  const double rmse_after = quantization_error_report(g, q, batches).layers.at(0).rmse;
  EXPECT_LT(rmse_after, rmse_before * 0.6);
  // A second pass finds (almost) nothing left to correct: within rounding of one step.
  const std::vector<BiasCorrection> second = correct_biases(g, q, batches);
  EXPECT_LT(second.at(0).max_shift_steps, 0.5);
  const nlohmann::json j = bias_corrections_json(first);
  EXPECT_EQ(j.at(0).at("op").get<std::string>(), "FullyConnected");
}

}  // namespace
}  // namespace tinyforge::quantize
