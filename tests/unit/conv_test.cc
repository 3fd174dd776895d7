// CONV_2D and DEPTHWISE_CONV_2D against references computed in int64/double with TFLite's
// rounding, on random shapes, strides, dilations, paddings and quantization parameters; plus
// refusals of malformed operators.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "tests/support/conv_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;
using tflite::Padding;

enum class Kind { kFloat, kInt8, kInt16Bias64, kInt16Bias32, kInt16NoBias };

struct Trial {
  RefConv c;
  Kind kind;
  bool per_channel;
  bool with_bias;
  ActivationFunctionType activation;
};

RefConv random_geometry(std::mt19937& rng, bool depthwise) {
  for (;;) {
    RefConv c{};
    c.batches = random_int<int>(rng, 1, 2);
    c.in_h = random_int<int>(rng, 1, 9);
    c.in_w = random_int<int>(rng, 1, 9);
    c.filter_h = random_int<int>(rng, 1, 4);
    c.filter_w = random_int<int>(rng, 1, 4);
    c.stride_h = random_int<int>(rng, 1, 3);
    c.stride_w = random_int<int>(rng, 1, 3);
    c.dilation_h = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
    c.dilation_w = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
    c.same = random_int<int>(rng, 0, 1) == 1;
    c.depthwise = depthwise;
    if (depthwise) {
      c.in_depth = random_int<int>(rng, 1, 8);
      c.out_depth = c.in_depth * random_int<int>(rng, 1, 3);
    } else {
      c.groups = random_int<int>(rng, 0, 3) == 0 ? random_int<int>(rng, 2, 3) : 1;
      c.in_depth = c.groups * random_int<int>(rng, 1, 6);
      c.out_depth = c.groups * random_int<int>(rng, 1, 4);
    }
    if (c.axis_h().out >= 1 && c.axis_w().out >= 1) return c;
  }
}

int add_op(ModelBuilder& m, const RefConv& c, int in, int w, int b, int out,
           ActivationFunctionType activation, int depth_multiplier_option = -1) {
  const Padding padding = c.same ? Padding::SAME : Padding::VALID;
  if (c.depthwise) {
    const int dm =
        depth_multiplier_option >= 0 ? depth_multiplier_option : c.out_depth / c.in_depth;
    auto options = tflite::CreateDepthwiseConv2DOptions(m.fbb(), padding, c.stride_w, c.stride_h,
                                                        dm, activation, c.dilation_w, c.dilation_h)
                       .Union();
    m.add_op(BuiltinOperator::DEPTHWISE_CONV_2D, {in, w, b}, {out},
             BuiltinOptions::DepthwiseConv2DOptions, options, 6);
  } else {
    auto options = tflite::CreateConv2DOptions(m.fbb(), padding, c.stride_w, c.stride_h, activation,
                                               c.dilation_w, c.dilation_h)
                       .Union();
    m.add_op(BuiltinOperator::CONV_2D, {in, w, b}, {out}, BuiltinOptions::Conv2DOptions, options,
             5);
  }
  return 0;
}

std::vector<int32_t> filter_shape(const RefConv& c) {
  if (c.depthwise) return {1, c.filter_h, c.filter_w, c.out_depth};
  return {c.out_depth, c.filter_h, c.filter_w, c.filter_depth()};
}

std::vector<int32_t> output_shape(const RefConv& c) {
  return {c.batches, c.axis_h().out, c.axis_w().out, c.out_depth};
}

// The clamp of a fused activation on a quantized output, computed as TFLite defines it.
void activation_range(ActivationFunctionType activation, float scale, int32_t zp, int32_t* lo,
                      int32_t* hi) {
  if (activation == ActivationFunctionType::RELU || activation == ActivationFunctionType::RELU6)
    *lo = std::max(*lo, zp);
  if (activation == ActivationFunctionType::RELU6)
    *hi = std::min<int32_t>(*hi, zp + static_cast<int32_t>(std::round(6.0f / scale)));
}

template <typename In>
void check_quantized(const Trial& t, std::mt19937& rng) {
  const RefConv& c = t.c;
  const bool is_int8 = t.kind == Kind::kInt8;
  const int32_t qmin = is_int8 ? -128 : -32768, qmax = is_int8 ? 127 : 32767;
  const DataType dtype = is_int8 ? DataType::kInt8 : DataType::kInt16;
  const float in_scale = random_scale(rng, 1e-3f, 0.1f);
  const int32_t in_zp = is_int8 ? random_int<int32_t>(rng, -128, 127) : 0;
  const int32_t out_zp = is_int8 ? random_int<int32_t>(rng, -128, 127) : 0;
  std::vector<float> w_scales(t.per_channel ? c.out_depth : 1);
  for (float& s : w_scales) s = random_scale(rng, 1e-3f, 0.05f);
  const float taps = static_cast<float>(c.filter_h * c.filter_w * c.filter_depth());
  const float out_scale =
      in_scale * w_scales[0] * std::sqrt(taps) *
      (is_int8 ? random_scale(rng, 1.0f, 100.0f) : random_scale(rng, 1.0f, 30.0f));

  std::vector<In> input(c.batches * c.in_h * c.in_w * c.in_depth);
  for (auto& x : input) x = random_int<In>(rng, qmin, qmax);
  std::vector<int8_t> weights(c.filter_elements());
  for (auto& w : weights) w = random_int<int8_t>(rng, -127, 127);
  std::vector<int64_t> bias(c.out_depth, 0);
  const int64_t bias_range = is_int8 ? 20000 : (1 << 20);
  if (t.with_bias)
    for (auto& b : bias) b = random_int<int64_t>(rng, -bias_range, bias_range);

  ModelBuilder m;
  const int in =
      m.add_input(dtype, {c.batches, c.in_h, c.in_w, c.in_depth}, per_tensor(in_scale, in_zp));
  const int quant_dim = c.depthwise ? 3 : 0;
  const Quant wq{w_scales, std::vector<int64_t>(w_scales.size(), 0), quant_dim};
  const int w = m.add_constant(DataType::kInt8, filter_shape(c), weights, wq);
  int b = -1;
  if (t.with_bias) {
    std::vector<float> b_scales;
    for (float s : w_scales) b_scales.push_back(s * in_scale);
    const Quant bq{b_scales, std::vector<int64_t>(b_scales.size(), 0), 0};
    if (t.kind == Kind::kInt16Bias64) {
      b = m.add_constant(DataType::kInt64, {c.out_depth}, bias, bq);
    } else {
      std::vector<int32_t> bias32(bias.begin(), bias.end());
      b = m.add_constant(DataType::kInt32, {c.out_depth}, bias32, bq);
    }
  }
  const int out = m.add_tensor(dtype, output_shape(c), per_tensor(out_scale, out_zp));
  add_op(m, c, in, w, b, out, t.activation);
  const RunResult result = run_model(m.finish(), {to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<In>(result.outputs[0]);

  int32_t lo = qmin, hi = qmax;
  activation_range(t.activation, out_scale, out_zp, &lo, &hi);
  // TFLite Micro's 16x8 CONV_2D accumulates in int64 only with an int64 bias (int32 otherwise);
  // 16x8 DEPTHWISE_CONV_2D always does.
  const bool wide_accumulator =
      !is_int8 && (c.depthwise || (t.kind == Kind::kInt16Bias64 && t.with_bias));
  const std::vector<int64_t> sums = reference_conv_sums<int64_t>(c, input, weights, int64_t{in_zp});
  ASSERT_EQ(got.size(), sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int oc = static_cast<int>(i % c.out_depth);
    const int64_t acc = sums[i] + bias[oc];
    const double real = static_cast<double>(in_scale) *
                        static_cast<double>(w_scales[t.per_channel ? oc : 0]) /
                        static_cast<double>(out_scale);
    const int64_t scaled =
        wide_accumulator ? reference_requantize_16x8(acc, real) : reference_requantize(acc, real);
    const int64_t expected = std::clamp<int64_t>(scaled + out_zp, lo, hi);
    ASSERT_EQ(static_cast<int64_t>(got[i]), expected) << "output element " << i;
  }
}

void check_float(const Trial& t, std::mt19937& rng) {
  const RefConv& c = t.c;
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> input(c.batches * c.in_h * c.in_w * c.in_depth), weights(c.filter_elements());
  std::vector<float> bias(c.out_depth, 0.0f);
  for (auto& v : input) v = u(rng);
  for (auto& v : weights) v = u(rng);
  if (t.with_bias)
    for (auto& v : bias) v = u(rng);
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {c.batches, c.in_h, c.in_w, c.in_depth});
  const int w = m.add_constant(DataType::kFloat32, filter_shape(c), weights);
  const int b = t.with_bias ? m.add_constant(DataType::kFloat32, {c.out_depth}, bias) : -1;
  const int out = m.add_tensor(DataType::kFloat32, output_shape(c));
  add_op(m, c, in, w, b, out, t.activation);
  const RunResult result = run_model(m.finish(), {to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<float>(result.outputs[0]);
  const std::vector<double> sums = reference_conv_sums<double>(c, input, weights, 0.0);
  ASSERT_EQ(got.size(), sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    double expected = sums[i] + bias[i % c.out_depth];
    if (t.activation == ActivationFunctionType::RELU) expected = std::max(0.0, expected);
    if (t.activation == ActivationFunctionType::RELU6)
      expected = std::min(6.0, std::max(0.0, expected));
    if (t.activation == ActivationFunctionType::RELU_N1_TO_1)
      expected = std::min(1.0, std::max(-1.0, expected));
    ASSERT_NEAR(got[i], expected, 1e-5 * (1.0 + std::fabs(expected))) << "output element " << i;
  }
}

void run_trials(bool depthwise, Kind kind, int trials, unsigned seed) {
  std::mt19937 rng(seed);
  const ActivationFunctionType activations[] = {
      ActivationFunctionType::NONE, ActivationFunctionType::RELU, ActivationFunctionType::RELU6,
      ActivationFunctionType::RELU_N1_TO_1};
  for (int i = 0; i < trials; ++i) {
    Trial t{random_geometry(rng, depthwise), kind, i % 2 == 1,
            kind != Kind::kInt16NoBias && i % 5 != 0, activations[i % 4]};
    if (kind != Kind::kFloat && t.activation == ActivationFunctionType::RELU_N1_TO_1)
      t.activation = ActivationFunctionType::NONE;
    SCOPED_TRACE(::testing::Message()
                 << "trial " << i << ": " << t.c.batches << "x" << t.c.in_h << "x" << t.c.in_w
                 << "x" << t.c.in_depth << " filter " << t.c.filter_h << "x" << t.c.filter_w
                 << " out_depth " << t.c.out_depth << " groups " << t.c.groups << " stride "
                 << t.c.stride_h << "," << t.c.stride_w << " dilation " << t.c.dilation_h << ","
                 << t.c.dilation_w << (t.c.same ? " SAME" : " VALID"));
    if (kind == Kind::kFloat) {
      check_float(t, rng);
    } else if (kind == Kind::kInt8) {
      check_quantized<int8_t>(t, rng);
    } else {
      check_quantized<int16_t>(t, rng);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Conv2D, Int8MatchesReference) { run_trials(false, Kind::kInt8, 150, 11); }
TEST(Conv2D, Int16WithInt64BiasMatchesReference) { run_trials(false, Kind::kInt16Bias64, 80, 12); }
TEST(Conv2D, Int16WithInt32BiasMatchesReference) { run_trials(false, Kind::kInt16Bias32, 60, 13); }
TEST(Conv2D, Int16WithoutBiasMatchesReference) { run_trials(false, Kind::kInt16NoBias, 40, 14); }
TEST(Conv2D, FloatMatchesReference) { run_trials(false, Kind::kFloat, 80, 15); }
TEST(DepthwiseConv2D, Int8MatchesReference) { run_trials(true, Kind::kInt8, 150, 21); }
TEST(DepthwiseConv2D, Int16MatchesReference) { run_trials(true, Kind::kInt16Bias64, 80, 22); }
TEST(DepthwiseConv2D, Int16WithoutBiasMatchesReference) {
  run_trials(true, Kind::kInt16NoBias, 40, 23);
}
TEST(DepthwiseConv2D, FloatMatchesReference) { run_trials(true, Kind::kFloat, 80, 24); }

// SAME padding with an odd total puts the extra row/column after the image: a 4-wide filter on
// a 4-wide row pads 1 before and 2 after. Values worked out by hand.
TEST(Conv2D, SamePaddingPutsOddRemainderAfter) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {1, 1, 4, 1});
  const int w = m.add_constant(DataType::kFloat32, {1, 1, 4, 1},
                               std::vector<float>{1.0f, 10.0f, 100.0f, 1000.0f});
  const int out = m.add_tensor(DataType::kFloat32, {1, 1, 4, 1});
  auto options = tflite::CreateConv2DOptions(m.fbb(), Padding::SAME, 1, 1).Union();
  m.add_op(BuiltinOperator::CONV_2D, {in, w}, {out}, BuiltinOptions::Conv2DOptions, options);
  const RunResult result =
      run_model(m.finish(), {to_bytes(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f})});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  EXPECT_EQ(from_bytes<float>(result.outputs[0]),
            (std::vector<float>{3210.0f, 4321.0f, 432.0f, 43.0f}));
}

// A one-operator model whose operator should be refused; returns the load result.
struct Malformed {
  DataType input = DataType::kInt8, filter = DataType::kInt8, bias = DataType::kInt32,
           output = DataType::kInt8;
  bool depthwise = false;
  std::vector<int32_t> in_shape{1, 5, 5, 2}, filter_shape{3, 3, 3, 2}, out_shape{1, 5, 5, 3};
  int stride = 1;
  int depth_multiplier = 1;
};

LoadResult load(const Malformed& f) {
  ModelBuilder m;
  auto quant = [&](DataType t) { return t == DataType::kFloat32 ? Quant{} : per_tensor(0.05f, 0); };
  const int in = m.add_input(f.input, f.in_shape, quant(f.input));
  size_t filter_count = 1;
  for (int32_t d : f.filter_shape) filter_count *= d;
  const int w = m.add_constant_bytes(f.filter, f.filter_shape,
                                     std::vector<uint8_t>(filter_count * dtype_size(f.filter), 1),
                                     quant(f.filter));
  const int channels = f.out_shape[3];
  const int b = m.add_constant_bytes(f.bias, {channels},
                                     std::vector<uint8_t>(channels * dtype_size(f.bias), 0));
  const int out = m.add_tensor(f.output, f.out_shape, quant(f.output));
  if (f.depthwise) {
    auto options = tflite::CreateDepthwiseConv2DOptions(m.fbb(), Padding::SAME, f.stride, f.stride,
                                                        f.depth_multiplier)
                       .Union();
    m.add_op(BuiltinOperator::DEPTHWISE_CONV_2D, {in, w, b}, {out},
             BuiltinOptions::DepthwiseConv2DOptions, options);
  } else {
    auto options = tflite::CreateConv2DOptions(m.fbb(), Padding::SAME, f.stride, f.stride).Union();
    m.add_op(BuiltinOperator::CONV_2D, {in, w, b}, {out}, BuiltinOptions::Conv2DOptions, options);
  }
  return load_model(m.finish());
}

void expect_refused(const Malformed& f, const char* fragment) {
  const LoadResult result = load(f);
  EXPECT_NE(result.status, Status::kOk);
  EXPECT_NE(result.message.find(fragment), std::string::npos) << result.message;
}

Malformed depthwise_case() {
  Malformed f;
  f.depthwise = true;
  f.filter_shape = {1, 3, 3, 4};
  f.out_shape = {1, 5, 5, 4};
  f.depth_multiplier = 2;
  return f;
}

TEST(Conv2D, AcceptsTheWellFormedBaseCase) {
  EXPECT_EQ(load(Malformed{}).status, Status::kOk) << load(Malformed{}).message;
  EXPECT_EQ(load(depthwise_case()).status, Status::kOk) << load(depthwise_case()).message;
}

TEST(Conv2D, RefusesMalformedOperators) {
  Malformed f;
  f.output = DataType::kInt16;
  expect_refused(f, "output dtype");
  f = Malformed{};
  f.input = f.output = f.bias = DataType::kFloat32;
  expect_refused(f, "hybrid models are not supported: float input with int8 filter");
  f = Malformed{};
  f.out_shape = {1, 4, 4, 3};
  expect_refused(f, "output height/width");
  f = Malformed{};
  f.stride = 0;
  expect_refused(f, "strides");
  f = Malformed{};
  f.filter_shape = {3, 3, 3, 3};  // 2 input channels are not a multiple of 3
  expect_refused(f, "multiple");
  f = Malformed{};
  f.bias = DataType::kInt64;
  expect_refused(f, "int32 bias");
  f = Malformed{};
  f.input = f.output = DataType::kInt16;
  f.bias = DataType::kInt8;
  expect_refused(f, "int16 convolution needs an int64 or int32 bias");
}

TEST(DepthwiseConv2D, RefusesMalformedOperators) {
  Malformed f = depthwise_case();
  f.depth_multiplier = 3;
  expect_refused(f, "depth_multiplier");
  f = depthwise_case();
  f.filter_shape = {1, 3, 3, 3};
  f.out_shape = {1, 5, 5, 3};
  f.depth_multiplier = 0;
  expect_refused(f, "not a multiple of the input depth");
  f = depthwise_case();
  f.input = f.output = DataType::kInt16;
  expect_refused(f, "int64 bias");
  f = depthwise_case();
  f.filter_shape = {2, 3, 3, 4};
  expect_refused(f, "filter must have shape");
  f = depthwise_case();
  f.input = f.output = f.bias = DataType::kFloat32;
  expect_refused(f, "hybrid");
}

}  // namespace
}  // namespace tinyforge::testing
