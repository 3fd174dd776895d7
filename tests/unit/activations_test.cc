// Activation, quantization and softmax kernels against references computed independently in
// double / int64 (TFLite's requantization rounding from quant_reference.h), on random shapes and
// quantization parameters. Kernels built on fixed-point approximations (softmax, logistic, tanh,
// hard swish) are compared with the exact real-valued function within the approximation error
// TFLite's own tests allow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/support/activations_reference.h"

namespace tinyforge::testing {
namespace {

using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

flatbuffers::Offset<void> softmax_options(flatbuffers::FlatBufferBuilder& fbb, float beta) {
  return tflite::CreateSoftmaxOptions(fbb, beta).Union();
}
flatbuffers::Offset<void> leaky_options(flatbuffers::FlatBufferBuilder& fbb, float alpha) {
  return tflite::CreateLeakyReluOptions(fbb, alpha).Union();
}

const UnaryOp kQuantize{BuiltinOperator::QUANTIZE};
const UnaryOp kDequantize{BuiltinOperator::DEQUANTIZE, BuiltinOptions::NONE, nullptr, 0, 2};
const UnaryOp kRelu{BuiltinOperator::RELU};
const UnaryOp kRelu6{BuiltinOperator::RELU6};
const UnaryOp kLogistic{BuiltinOperator::LOGISTIC};
const UnaryOp kTanh{BuiltinOperator::TANH};
const UnaryOp kHardSwish{BuiltinOperator::HARD_SWISH};
UnaryOp softmax_op(float beta) {
  return UnaryOp{BuiltinOperator::SOFTMAX, BuiltinOptions::SoftmaxOptions, softmax_options, beta,
                 2};
}
UnaryOp leaky_op(float alpha) {
  return UnaryOp{BuiltinOperator::LEAKY_RELU, BuiltinOptions::LeakyReluOptions, leaky_options,
                 alpha, 2};
}

template <typename T>
int32_t lo_of() {
  return static_cast<int32_t>(std::numeric_limits<T>::min());
}
template <typename T>
int32_t hi_of() {
  return static_cast<int32_t>(std::numeric_limits<T>::max());
}

// ---------------------------------------------------------------- QUANTIZE / DEQUANTIZE

template <typename Out>
void check_quantize_float(DataType out_type, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const float scale = random_scale(rng, 1e-3f, 0.1f);
  const int32_t zp = random_int<int32_t>(rng, lo_of<Out>() / 2, hi_of<Out>() / 2);
  std::uniform_real_distribution<float> u(-8.0f, 8.0f);
  std::vector<float> input(shape_elements(shape));
  for (auto& x : input) x = u(rng);
  std::string error;
  const auto got = run_unary<Out>(kQuantize, DataType::kFloat32, out_type, shape, {},
                                  per_tensor(scale, zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    const float q = std::round(input[i] / scale);  // TFLite rounds the float quotient
    const int64_t expected =
        std::clamp<int64_t>(static_cast<int64_t>(q) + zp, lo_of<Out>(), hi_of<Out>());
    ASSERT_EQ(static_cast<int64_t>(got[i]), expected) << "element " << i << " x=" << input[i];
  }
}

TEST(Quantize, FloatToIntegerMatchesReference) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    check_quantize_float<int8_t>(DataType::kInt8, rng);
    check_quantize_float<uint8_t>(DataType::kUInt8, rng);
    check_quantize_float<int16_t>(DataType::kInt16, rng);
  }
}

template <typename In, typename Out>
void check_requantize(DataType in_type, DataType out_type, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const float in_scale = random_scale(rng, 1e-4f, 0.5f), out_scale = random_scale(rng, 1e-4f, 0.5f);
  const bool in_16 = sizeof(In) == 2, out_16 = sizeof(Out) >= 2;
  const int32_t in_zp = in_16 ? 0 : random_int<int32_t>(rng, lo_of<In>(), hi_of<In>());
  const int32_t out_zp = out_16 ? (sizeof(Out) == 4 ? 0 : random_int<int32_t>(rng, -100, 100))
                                : random_int<int32_t>(rng, lo_of<Out>(), hi_of<Out>());
  const auto input = random_values<In>(rng, shape_elements(shape), lo_of<In>(), hi_of<In>());
  std::string error;
  const auto got = run_unary<Out>(kQuantize, in_type, out_type, shape, per_tensor(in_scale, in_zp),
                                  per_tensor(out_scale, out_zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  const double real = static_cast<double>(in_scale) / static_cast<double>(out_scale);
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t expected = std::clamp<int64_t>(
        reference_requantize(static_cast<int64_t>(input[i]) - in_zp, real) + out_zp, lo_of<Out>(),
        hi_of<Out>());
    ASSERT_EQ(static_cast<int64_t>(got[i]), expected) << "element " << i;
  }
}

TEST(Quantize, RequantizeMatchesReference) {
  std::mt19937 rng(12);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    check_requantize<int8_t, int8_t>(DataType::kInt8, DataType::kInt8, rng);
    check_requantize<int8_t, uint8_t>(DataType::kInt8, DataType::kUInt8, rng);
    check_requantize<uint8_t, int8_t>(DataType::kUInt8, DataType::kInt8, rng);
    check_requantize<int8_t, int16_t>(DataType::kInt8, DataType::kInt16, rng);
    check_requantize<int16_t, int8_t>(DataType::kInt16, DataType::kInt8, rng);
    check_requantize<int16_t, int16_t>(DataType::kInt16, DataType::kInt16, rng);
    check_requantize<int16_t, int32_t>(DataType::kInt16, DataType::kInt32, rng);
  }
}

TEST(Quantize, RejectsFloatOutput) {
  const auto model =
      unary_model(kQuantize, DataType::kFloat32, DataType::kFloat32, {4}, {}, per_tensor(0.5f, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("QUANTIZE"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("output"), std::string::npos) << result.message;
}

template <typename In>
void check_dequantize(DataType in_type, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const float scale = random_scale(rng);
  const int32_t zp = sizeof(In) == 2 ? 0 : random_int<int32_t>(rng, lo_of<In>(), hi_of<In>());
  const auto input = random_values<In>(rng, shape_elements(shape), lo_of<In>(), hi_of<In>());
  std::string error;
  const auto got = run_unary<float>(kDequantize, in_type, DataType::kFloat32, shape,
                                    per_tensor(scale, zp), {}, input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    const double expected = static_cast<double>(scale) * (static_cast<int32_t>(input[i]) - zp);
    ASSERT_NEAR(got[i], expected, 1e-6 * std::max(1.0, std::fabs(expected))) << "element " << i;
  }
}

TEST(Dequantize, MatchesReference) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    check_dequantize<int8_t>(DataType::kInt8, rng);
    check_dequantize<uint8_t>(DataType::kUInt8, rng);
    check_dequantize<int16_t>(DataType::kInt16, rng);
  }
}

TEST(Dequantize, RejectsIntegerOutput) {
  const auto model = unary_model(kDequantize, DataType::kInt8, DataType::kInt8, {4},
                                 per_tensor(0.5f, 0), per_tensor(0.5f, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("float32"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------- RELU / RELU6 / LEAKY_RELU

template <typename T>
void check_relu(DataType type, bool relu6, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const bool is16 = sizeof(T) == 2;
  const float in_scale = random_scale(rng, 1e-3f, 0.1f);
  const float out_scale = relu6 ? in_scale : random_scale(rng, 1e-3f, 0.1f);
  const int32_t in_zp = is16 ? 0 : random_int<int32_t>(rng, -128, 127);
  const int32_t out_zp = relu6 ? in_zp : (is16 ? 0 : random_int<int32_t>(rng, -128, 127));
  const auto input = random_values<T>(rng, shape_elements(shape), lo_of<T>(), hi_of<T>());
  std::string error;
  const auto got =
      run_unary<T>(relu6 ? kRelu6 : kRelu, type, type, shape, per_tensor(in_scale, in_zp),
                   per_tensor(out_scale, out_zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    int64_t expected;
    if (relu6) {
      const int64_t six =
          std::clamp<int64_t>(std::llround(6.0 / in_scale) + in_zp, lo_of<T>(), hi_of<T>());
      expected = std::clamp<int64_t>(input[i], in_zp, six);
    } else {
      const double real = static_cast<double>(in_scale) / out_scale;
      expected = reference_requantize(static_cast<int64_t>(input[i]) - in_zp, real) + out_zp;
      expected = std::clamp<int64_t>(expected, std::max(out_zp, lo_of<T>()), hi_of<T>());
    }
    ASSERT_EQ(static_cast<int64_t>(got[i]), expected) << "element " << i;
  }
}

TEST(Relu, QuantizedMatchesReference) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 25; ++trial) {
    SCOPED_TRACE(trial);
    check_relu<int8_t>(DataType::kInt8, false, rng);
    check_relu<int16_t>(DataType::kInt16, false, rng);
    check_relu<int8_t>(DataType::kInt8, true, rng);
    check_relu<int16_t>(DataType::kInt16, true, rng);
  }
}

TEST(Relu, FloatMatchesReference) {
  std::mt19937 rng(22);
  std::uniform_real_distribution<float> u(-10, 10);
  std::vector<float> input(50);
  for (auto& x : input) x = u(rng);
  std::string error;
  const auto relu = run_unary<float>(kRelu, DataType::kFloat32, DataType::kFloat32, {5, 10}, {}, {},
                                     input, &error);
  const auto relu6 = run_unary<float>(kRelu6, DataType::kFloat32, DataType::kFloat32, {5, 10}, {},
                                      {}, input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(relu[i], std::max(0.0f, input[i]));
    EXPECT_EQ(relu6[i], std::clamp(input[i], 0.0f, 6.0f));
  }
}

TEST(Relu, RejectsMismatchedDtypes) {
  const auto model = unary_model(kRelu, DataType::kInt8, DataType::kInt16, {4}, per_tensor(0.5f, 0),
                                 per_tensor(0.5f, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("dtype"), std::string::npos) << result.message;
  const auto model6 = unary_model(kRelu6, DataType::kFloat32, DataType::kFloat32, {4}, {}, {}, {5});
  const LoadResult result6 = load_model(model6);
  EXPECT_EQ(result6.status, Status::kMalformedModel);
  EXPECT_NE(result6.message.find("size"), std::string::npos) << result6.message;
}

template <typename T>
void check_leaky_relu(DataType type, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const bool is16 = sizeof(T) == 2;
  std::uniform_real_distribution<float> ua(-0.5f, 1.5f);
  const float alpha = ua(rng);
  const float in_scale = random_scale(rng, 1e-4f, 0.1f), out_scale = random_scale(rng, 1e-4f, 0.1f);
  const int32_t in_zp = is16 ? 0 : random_int<int32_t>(rng, -128, 127);
  const int32_t out_zp = is16 ? 0 : random_int<int32_t>(rng, -128, 127);
  const auto input = random_values<T>(rng, shape_elements(shape), lo_of<T>(), hi_of<T>());
  std::string error;
  const auto got = run_unary<T>(leaky_op(alpha), type, type, shape, per_tensor(in_scale, in_zp),
                                per_tensor(out_scale, out_zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  // TFLite forms both ratios in float before widening them.
  const double identity = static_cast<double>(in_scale / out_scale);
  const double alpha_ratio = static_cast<double>(in_scale * alpha / out_scale);
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t x = static_cast<int64_t>(input[i]) - in_zp;
    const int64_t expected = std::clamp<int64_t>(
        reference_requantize(x, x >= 0 ? identity : alpha_ratio) + out_zp, lo_of<T>(), hi_of<T>());
    ASSERT_EQ(static_cast<int64_t>(got[i]), expected) << "element " << i << " alpha " << alpha;
  }
}

TEST(LeakyRelu, QuantizedMatchesReference) {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE(trial);
    check_leaky_relu<int8_t>(DataType::kInt8, rng);
    check_leaky_relu<int16_t>(DataType::kInt16, rng);
  }
}

TEST(LeakyRelu, FloatMatchesReference) {
  std::vector<float> input = {-3.0f, -0.5f, 0.0f, 0.25f, 7.0f};
  std::string error;
  const auto got = run_unary<float>(leaky_op(0.2f), DataType::kFloat32, DataType::kFloat32, {5}, {},
                                    {}, input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i)
    EXPECT_FLOAT_EQ(got[i], input[i] > 0 ? input[i] : input[i] * 0.2f);
}

TEST(LeakyRelu, RejectsMismatchedDtypes) {
  const auto model = unary_model(leaky_op(0.1f), DataType::kInt16, DataType::kInt8, {4},
                                 per_tensor(0.5f, 0), per_tensor(0.5f, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("LEAKY_RELU"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------- SOFTMAX

template <typename Out>
void check_softmax_int8(DataType out_type, int tolerance, std::mt19937& rng) {
  auto shape = random_shape(rng, 3, 6);
  shape.back() = random_int<int32_t>(rng, 1, 40);
  std::uniform_real_distribution<float> ub(0.5f, 2.0f);
  const float beta = ub(rng);
  const float in_scale = random_scale(rng, 0.01f, 0.3f);
  const int32_t in_zp = random_int<int32_t>(rng, -128, 127);
  const float out_scale = sizeof(Out) == 1 ? 1.0f / 256 : 1.0f / 65536;
  const int32_t out_zp = sizeof(Out) == 1 ? -128 : -32768;
  const auto input = random_values<int8_t>(rng, shape_elements(shape), -128, 127);
  std::string error;
  const auto got =
      run_unary<Out>(softmax_op(beta), DataType::kInt8, out_type, shape,
                     per_tensor(in_scale, in_zp), per_tensor(out_scale, out_zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  const int depth = shape.back();
  for (size_t row = 0; row < input.size() / depth; ++row) {
    const int8_t* in = &input[row * depth];
    const int max = *std::max_element(in, in + depth);
    double sum = 0;
    for (int c = 0; c < depth; ++c) sum += std::exp(beta * in_scale * (in[c] - max));
    for (int c = 0; c < depth; ++c) {
      const double p = std::exp(beta * in_scale * (in[c] - max)) / sum;
      const int32_t expected = reference_quantize(p, out_scale, out_zp, lo_of<Out>(), hi_of<Out>());
      ASSERT_NEAR(got[row * depth + c], expected, tolerance) << "row " << row << " column " << c;
    }
  }
}

TEST(Softmax, Int8MatchesRealSoftmax) {
  std::mt19937 rng(41);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    check_softmax_int8<int8_t>(DataType::kInt8, 1, rng);
    check_softmax_int8<int16_t>(DataType::kInt16, 2, rng);
  }
}

TEST(Softmax, Int16MatchesRealSoftmax) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    auto shape = random_shape(rng, 3, 6);
    shape.back() = random_int<int32_t>(rng, 1, 40);
    const float in_scale = random_scale(rng, 1e-4f, 1e-3f);
    const auto input = random_values<int16_t>(rng, shape_elements(shape), -32768, 32767);
    std::string error;
    const auto got =
        run_unary<int16_t>(softmax_op(1.0f), DataType::kInt16, DataType::kInt16, shape,
                           per_tensor(in_scale, 0), per_tensor(1.0f / 32768, 0), input, &error);
    ASSERT_TRUE(error.empty()) << error;
    const int depth = shape.back();
    for (size_t row = 0; row < input.size() / depth; ++row) {
      const int16_t* in = &input[row * depth];
      const int max = *std::max_element(in, in + depth);
      double sum = 0;
      // TFLite's int16 softmax tabulates exp on [-10, 0] and holds exp(-10) below that.
      auto clamped_exp = [&](int diff) {
        return std::exp(std::max(-10.0, static_cast<double>(in_scale) * diff));
      };
      for (int c = 0; c < depth; ++c) sum += clamped_exp(in[c] - max);
      for (int c = 0; c < depth; ++c) {
        const double p = clamped_exp(in[c] - max) / sum;
        // Table-based: TFLite's own tests allow 7 units on small inputs; near p = 1 the
        // interpolated exp(0) (32762 instead of 32767) and 1/(1+x) errors add up to ~20.
        ASSERT_NEAR(got[row * depth + c], reference_quantize(p, 1.0 / 32768, 0, 0, 32767), 24)
            << "row " << row << " column " << c;
      }
    }
  }
}

TEST(Softmax, FloatMatchesReference) {
  std::mt19937 rng(43);
  std::uniform_real_distribution<float> u(-5, 5);
  std::vector<float> input(3 * 7);
  for (auto& x : input) x = u(rng);
  std::string error;
  const auto got = run_unary<float>(softmax_op(0.7f), DataType::kFloat32, DataType::kFloat32,
                                    {3, 7}, {}, {}, input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int c = 0; c < 7; ++c) sum += std::exp(0.7 * input[r * 7 + c]);
    for (int c = 0; c < 7; ++c)
      EXPECT_NEAR(got[r * 7 + c], std::exp(0.7 * input[r * 7 + c]) / sum, 1e-6);
  }
}

TEST(Softmax, RejectsWrongOutputQuantization) {
  const auto model = unary_model(softmax_op(1.0f), DataType::kInt8, DataType::kInt8, {1, 10},
                                 per_tensor(0.1f, 0), per_tensor(1.0f / 128, -128));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("1/256"), std::string::npos) << result.message;
  const auto shape_model =
      unary_model(softmax_op(1.0f), DataType::kFloat32, DataType::kFloat32, {2, 5}, {}, {}, {5, 2});
  const LoadResult shape_result = load_model(shape_model);
  EXPECT_EQ(shape_result.status, Status::kMalformedModel);
  EXPECT_NE(shape_result.message.find("shape"), std::string::npos) << shape_result.message;
}

// ---------------------------------------------------------------- LOGISTIC / TANH

// Runs LOGISTIC or TANH on every int8 value for a random input quantization.
void check_sigmoid_int8(bool tanh, std::mt19937& rng) {
  const float in_scale = random_scale(rng, 0.005f, 0.2f);
  const int32_t in_zp = random_int<int32_t>(rng, -128, 127);
  const float out_scale = tanh ? 1.0f / 128 : 1.0f / 256;
  const int32_t out_zp = tanh ? 0 : -128;
  const auto input = [] {
    std::vector<int8_t> v;
    for (int i = -128; i <= 127; ++i) v.push_back(static_cast<int8_t>(i));
    return v;
  }();
  std::string error;
  const auto got =
      run_unary<int8_t>(tanh ? kTanh : kLogistic, DataType::kInt8, DataType::kInt8, {16, 16},
                        per_tensor(in_scale, in_zp), per_tensor(out_scale, out_zp), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    const double x = in_scale * (input[i] - in_zp);
    const double y = tanh ? std::tanh(x) : reference_sigmoid(x);
    ASSERT_NEAR(got[i], reference_quantize(y, out_scale, out_zp, -128, 127), 1) << "x=" << x;
  }
}

// Runs LOGISTIC or TANH on int16 inputs (zero points 0, output scale 2^-15).
void check_sigmoid_int16(bool tanh, float in_scale, std::mt19937& rng) {
  const auto shape = random_shape(rng);
  const auto input = random_values<int16_t>(rng, shape_elements(shape), -32768, 32767);
  std::string error;
  const auto got =
      run_unary<int16_t>(tanh ? kTanh : kLogistic, DataType::kInt16, DataType::kInt16, shape,
                         per_tensor(in_scale, 0), per_tensor(1.0f / 32768, 0), input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    const double x = static_cast<double>(in_scale) * input[i];
    const double y = tanh ? std::tanh(x) : reference_sigmoid(x);
    ASSERT_NEAR(got[i], reference_quantize(y, 1.0 / 32768, 0, -32768, 32767), 8) << "x=" << x;
  }
}

TEST(Logistic, Int8MatchesRealFunction) {
  std::mt19937 rng(51);
  for (int trial = 0; trial < 30; ++trial) check_sigmoid_int8(false, rng);
}

TEST(Tanh, Int8MatchesRealFunction) {
  std::mt19937 rng(52);
  for (int trial = 0; trial < 30; ++trial) check_sigmoid_int8(true, rng);
}

TEST(Logistic, Int16MatchesRealFunction) {
  std::mt19937 rng(53);
  check_sigmoid_int16(false, 1.0f / 4096, rng);  // power-of-two scale
  for (int trial = 0; trial < 20; ++trial)
    check_sigmoid_int16(false, random_scale(rng, 1e-4f, 5e-4f), rng);
}

TEST(Tanh, Int16MatchesRealFunction) {
  std::mt19937 rng(54);
  check_sigmoid_int16(true, 1.0f / 4096, rng);
  check_sigmoid_int16(true, 1.0f / 2048, rng);
  for (int trial = 0; trial < 20; ++trial)
    check_sigmoid_int16(true, random_scale(rng, 1e-4f, 5e-4f), rng);
}

TEST(Logistic, FloatMatchesReference) {
  std::vector<float> input = {-20.0f, -9.5f, -1.0f, 0.0f, 0.5f, 3.0f, 17.0f};
  std::string error;
  const auto logistic = run_unary<float>(kLogistic, DataType::kFloat32, DataType::kFloat32, {7}, {},
                                         {}, input, &error);
  const auto tanh =
      run_unary<float>(kTanh, DataType::kFloat32, DataType::kFloat32, {7}, {}, {}, input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i) {
    EXPECT_NEAR(logistic[i], reference_sigmoid(input[i]), 1e-6);
    EXPECT_NEAR(tanh[i], std::tanh(static_cast<double>(input[i])), 1e-6);
  }
}

TEST(Logistic, RejectsWrongOutputZeroPoint) {
  const auto model = unary_model(kLogistic, DataType::kInt8, DataType::kInt8, {4},
                                 per_tensor(0.1f, 0), per_tensor(1.0f / 256, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("zero point"), std::string::npos) << result.message;
}

TEST(Tanh, RejectsMismatchedDtypes) {
  const auto model = unary_model(kTanh, DataType::kInt16, DataType::kInt8, {4},
                                 per_tensor(1.0f / 4096, 0), per_tensor(1.0f / 128, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("TANH"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------- HARD_SWISH

TEST(HardSwish, Int8MatchesRealFunction) {
  std::mt19937 rng(61);
  std::vector<int8_t> input;
  for (int i = -128; i <= 127; ++i) input.push_back(static_cast<int8_t>(i));
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE(trial);
    const float in_scale = random_scale(rng, 0.01f, 0.1f);
    const int32_t in_zp = random_int<int32_t>(rng, -64, 64);
    // An output range covering the function on the input range.
    const double lo = in_scale * (-128 - in_zp), hi = in_scale * (127 - in_zp);
    const double out_hi = reference_hard_swish(hi), out_lo = -0.375;
    const float out_scale = static_cast<float>((out_hi - out_lo) / 255.0);
    const int32_t out_zp = static_cast<int32_t>(std::lround(-128 - out_lo / out_scale));
    (void)lo;
    std::string error;
    const auto got = run_unary<int8_t>(kHardSwish, DataType::kInt8, DataType::kInt8, {256},
                                       per_tensor(in_scale, in_zp), per_tensor(out_scale, out_zp),
                                       input, &error);
    ASSERT_TRUE(error.empty()) << error;
    for (size_t i = 0; i < input.size(); ++i) {
      const double y = reference_hard_swish(in_scale * (input[i] - in_zp));
      ASSERT_NEAR(got[i], reference_quantize(y, out_scale, out_zp, -128, 127), 1)
          << "element " << i;
    }
  }
}

TEST(HardSwish, FloatMatchesReference) {
  std::vector<float> input = {-5.0f, -3.0f, -1.5f, 0.0f, 1.0f, 2.9f, 4.0f};
  std::string error;
  const auto got = run_unary<float>(kHardSwish, DataType::kFloat32, DataType::kFloat32, {7}, {}, {},
                                    input, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t i = 0; i < input.size(); ++i)
    EXPECT_NEAR(got[i], reference_hard_swish(input[i]), 1e-6);
}

TEST(HardSwish, RejectsInt16) {
  const auto model = unary_model(kHardSwish, DataType::kInt16, DataType::kInt16, {4},
                                 per_tensor(0.1f, 0), per_tensor(0.1f, 0));
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("dtype"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace tinyforge::testing
