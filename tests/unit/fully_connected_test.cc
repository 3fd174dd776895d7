// FULLY_CONNECTED against a reference computed in int64/double with TFLite's rounding, on random
// shapes and quantization parameters.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

struct Case {
  int batches, depth, units;
  bool per_channel, with_bias;
  ActivationFunctionType activation;
};

void check_int8(const Case& c, std::mt19937& rng) {
  const float in_scale = random_scale(rng), out_scale = random_scale(rng, 0.01f, 1.0f);
  const int32_t in_zp = random_int<int32_t>(rng, -128, 127),
                out_zp = random_int<int32_t>(rng, -128, 127);
  std::vector<float> w_scales(c.per_channel ? c.units : 1);
  for (float& s : w_scales) s = random_scale(rng, 1e-3f, 0.05f);
  std::vector<int8_t> weights(c.units * c.depth), input(c.batches * c.depth);
  for (auto& w : weights) w = random_int<int8_t>(rng, -127, 127);
  for (auto& x : input) x = random_int<int8_t>(rng, -128, 127);
  std::vector<int32_t> bias(c.units);
  for (auto& b : bias) b = random_int<int32_t>(rng, -20000, 20000);

  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, {c.batches, c.depth}, per_tensor(in_scale, in_zp));
  Quant wq{w_scales, std::vector<int64_t>(w_scales.size(), 0), 0};
  const int w = m.add_constant(DataType::kInt8, {c.units, c.depth}, weights, wq);
  int b = -1;
  if (c.with_bias) {
    std::vector<float> b_scales;
    for (float s : w_scales) b_scales.push_back(s * in_scale);
    b = m.add_constant(DataType::kInt32, {c.units}, bias,
                       Quant{b_scales, std::vector<int64_t>(b_scales.size(), 0), 0});
  }
  const int out =
      m.add_tensor(DataType::kInt8, {c.batches, c.units}, per_tensor(out_scale, out_zp));
  auto options = tflite::CreateFullyConnectedOptions(m.fbb(), c.activation).Union();
  m.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, b}, {out},
           BuiltinOptions::FullyConnectedOptions, options, 4);
  const RunResult result = run_model(m.finish(), {to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<int8_t>(result.outputs[0]);

  int32_t lo = -128, hi = 127;
  if (c.activation == ActivationFunctionType::RELU) lo = std::max(lo, out_zp);
  if (c.activation == ActivationFunctionType::RELU6) {
    lo = std::max(lo, out_zp);
    hi = std::min<int32_t>(hi, out_zp + static_cast<int32_t>(std::round(6.0f / out_scale)));
  }
  for (int bi = 0; bi < c.batches; ++bi) {
    for (int o = 0; o < c.units; ++o) {
      int64_t acc = c.with_bias ? bias[o] : 0;
      for (int d = 0; d < c.depth; ++d)
        acc += static_cast<int64_t>(input[bi * c.depth + d] - in_zp) * weights[o * c.depth + d];
      const double real =
          static_cast<double>(in_scale) * w_scales[c.per_channel ? o : 0] / out_scale;
      const int64_t expected =
          std::clamp<int64_t>(reference_requantize(acc, real) + out_zp, lo, hi);
      ASSERT_EQ(got[bi * c.units + o], expected) << "batch " << bi << " unit " << o;
    }
  }
}

TEST(FullyConnected, Int8MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(7);
  const ActivationFunctionType activations[] = {
      ActivationFunctionType::NONE, ActivationFunctionType::RELU, ActivationFunctionType::RELU6};
  for (int trial = 0; trial < 60; ++trial) {
    Case c{random_int<int>(rng, 1, 4),
           random_int<int>(rng, 1, 70),
           random_int<int>(rng, 1, 40),
           trial % 2 == 1,
           trial % 3 != 0,
           activations[trial % 3]};
    SCOPED_TRACE(trial);
    check_int8(c, rng);
  }
}

TEST(FullyConnected, FloatMatchesReference) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  const int batches = 3, depth = 17, units = 5;
  std::vector<float> weights(units * depth), input(batches * depth), bias(units);
  for (auto& v : weights) v = u(rng);
  for (auto& v : input) v = u(rng);
  for (auto& v : bias) v = u(rng);
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {batches, depth});
  const int w = m.add_constant(DataType::kFloat32, {units, depth}, weights);
  const int b = m.add_constant(DataType::kFloat32, {units}, bias);
  const int out = m.add_tensor(DataType::kFloat32, {batches, units});
  auto options = tflite::CreateFullyConnectedOptions(m.fbb(), ActivationFunctionType::RELU).Union();
  m.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, b}, {out},
           BuiltinOptions::FullyConnectedOptions, options);
  const RunResult result = run_model(m.finish(), {to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<float>(result.outputs[0]);
  for (int bi = 0; bi < batches; ++bi) {
    for (int o = 0; o < units; ++o) {
      double acc = bias[o];
      for (int d = 0; d < depth; ++d)
        acc += static_cast<double>(input[bi * depth + d]) * weights[o * depth + d];
      EXPECT_NEAR(got[bi * units + o], std::max(0.0, acc), 1e-5);
    }
  }
}

TEST(FullyConnected, RejectsMismatchedBias) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {1, 4});
  const int w = m.add_constant(DataType::kFloat32, {3, 4}, std::vector<float>(12, 0.5f));
  const int b = m.add_constant(DataType::kFloat32, {2}, std::vector<float>(2, 0.f));
  const int out = m.add_tensor(DataType::kFloat32, {1, 3});
  m.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, b}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("bias"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace tinyforge::testing
