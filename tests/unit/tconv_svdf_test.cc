// TRANSPOSE_CONV, SVDF and BATCH_MATMUL against references computed in int64/double with
// TFLite's rounding, on random shapes and quantization parameters; SVDF over several invocations
// (its state persists); malformed operators are refused with a message.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/tconv_svdf_reference.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;
using tflite::Padding;

Quant per_channel(const std::vector<float>& scales) {
  return Quant{scales, std::vector<int64_t>(scales.size(), 0), 0};
}

// ---------------------------------------------------------------------------------------------
// TRANSPOSE_CONV

struct TconvShape {
  int n, h, w, ic, oc, kh, kw, sh, sw, oh, ow;
  Padding padding;
};

TconvShape random_tconv_shape(std::mt19937& rng, int trial) {
  TconvShape s;
  s.n = random_int<int>(rng, 1, 2);
  s.h = random_int<int>(rng, 1, 5);
  s.w = random_int<int>(rng, 1, 5);
  s.ic = random_int<int>(rng, 1, 5);
  s.oc = random_int<int>(rng, 1, 5);
  s.kh = random_int<int>(rng, 1, 4);
  s.kw = random_int<int>(rng, 1, 4);
  s.sh = random_int<int>(rng, 1, 3);
  s.sw = random_int<int>(rng, 1, 3);
  s.padding = trial % 2 == 0 ? Padding::SAME : Padding::VALID;
  const int extra = trial % 3 == 0 ? 1 : 0;
  s.oh = (s.padding == Padding::SAME ? s.h * s.sh : (s.h - 1) * s.sh + s.kh) + extra;
  s.ow = (s.padding == Padding::SAME ? s.w * s.sw : (s.w - 1) * s.sw + s.kw) + extra;
  return s;
}

// TensorFlow's padding of the forward convolution whose input has `size` elements.
int tf_padding(Padding padding, int size, int filter, int stride) {
  const int windows =
      padding == Padding::SAME ? (size + stride - 1) / stride : (size - filter + stride) / stride;
  return std::max(0, ((windows - 1) * stride + filter - size) / 2);
}

// Gathers, for output (b, oy, ox, oc), sum over taps of f(input index, weight index).
template <typename F>
void gather(const TconvShape& s, int b, int oy, int ox, int oc, F f) {
  const int ph = tf_padding(s.padding, s.oh, s.kh, s.sh);
  const int pw = tf_padding(s.padding, s.ow, s.kw, s.sw);
  for (int fy = 0; fy < s.kh; ++fy) {
    const int ty = oy + ph - fy;
    if (ty < 0 || ty % s.sh != 0 || ty / s.sh >= s.h) continue;
    for (int fx = 0; fx < s.kw; ++fx) {
      const int tx = ox + pw - fx;
      if (tx < 0 || tx % s.sw != 0 || tx / s.sw >= s.w) continue;
      for (int ic = 0; ic < s.ic; ++ic) {
        f(((b * s.h + ty / s.sh) * s.w + tx / s.sw) * s.ic + ic,
          ((oc * s.kh + fy) * s.kw + fx) * s.ic + ic);
      }
    }
  }
}

int add_tconv(ModelBuilder& m, const TconvShape& s, int shape, int weights, int input, int bias,
              int output, ActivationFunctionType activation = ActivationFunctionType::NONE) {
  auto options =
      tflite::CreateTransposeConvOptions(m.fbb(), s.padding, s.sw, s.sh, activation).Union();
  std::vector<int> inputs{shape, weights, input};
  if (bias >= 0) inputs.push_back(bias);
  m.add_op(BuiltinOperator::TRANSPOSE_CONV, inputs, {output}, BuiltinOptions::TransposeConvOptions,
           options, 3);
  return output;
}

void check_tconv_int8(const TconvShape& s, bool per_channel_weights, bool with_bias,
                      std::mt19937& rng) {
  const float in_scale = random_scale(rng, 1e-3f, 0.1f), out_scale = random_scale(rng, 0.01f, 1.0f);
  const int32_t in_zp = random_int<int32_t>(rng, -128, 127);
  const int32_t out_zp = random_int<int32_t>(rng, -128, 127);
  std::vector<float> w_scales(per_channel_weights ? s.oc : 1);
  for (float& v : w_scales) v = random_scale(rng, 1e-3f, 0.05f);
  std::vector<int8_t> weights(s.oc * s.kh * s.kw * s.ic), input(s.n * s.h * s.w * s.ic);
  for (auto& v : weights) v = random_int<int8_t>(rng, -127, 127);
  for (auto& v : input) v = random_int<int8_t>(rng, -128, 127);
  std::vector<int32_t> bias(s.oc);
  for (auto& v : bias) v = random_int<int32_t>(rng, -30000, 30000);

  ModelBuilder m;
  const int shape =
      m.add_constant(DataType::kInt32, {4}, std::vector<int32_t>{s.n, s.oh, s.ow, s.oc});
  const int w =
      m.add_constant(DataType::kInt8, {s.oc, s.kh, s.kw, s.ic}, weights, per_channel(w_scales));
  const int in = m.add_input(DataType::kInt8, {s.n, s.h, s.w, s.ic}, per_tensor(in_scale, in_zp));
  int b = -1;
  if (with_bias) {
    std::vector<float> b_scales;
    for (float v : w_scales) b_scales.push_back(v * in_scale);
    b = m.add_constant(DataType::kInt32, {s.oc}, bias, per_channel(b_scales));
  }
  const int out =
      m.add_tensor(DataType::kInt8, {s.n, s.oh, s.ow, s.oc}, per_tensor(out_scale, out_zp));
  // TFLM ignores the fused activation of quantized TRANSPOSE_CONV; so must the kernel.
  add_tconv(m, s, shape, w, in, b, out, ActivationFunctionType::RELU);
  const RunResult result = run_model(m.finish(), {to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<int8_t>(result.outputs[0]);
  ASSERT_EQ(got.size(), static_cast<size_t>(s.n * s.oh * s.ow * s.oc));

  for (int bi = 0; bi < s.n; ++bi)
    for (int oy = 0; oy < s.oh; ++oy)
      for (int ox = 0; ox < s.ow; ++ox)
        for (int oc = 0; oc < s.oc; ++oc) {
          int64_t acc = with_bias ? bias[oc] : 0;
          gather(s, bi, oy, ox, oc,
                 [&](int i, int k) { acc += static_cast<int64_t>(input[i] - in_zp) * weights[k]; });
          const double real = static_cast<double>(in_scale) *
                              w_scales[per_channel_weights ? oc : 0] /
                              static_cast<double>(out_scale);
          const int64_t expected =
              std::clamp<int64_t>(reference_requantize(acc, real) + out_zp, -128, 127);
          ASSERT_EQ(got[((bi * s.oh + oy) * s.ow + ox) * s.oc + oc], expected)
              << "b " << bi << " y " << oy << " x " << ox << " c " << oc;
        }
}

TEST(TransposeConv, Int8MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    SCOPED_TRACE(trial);
    check_tconv_int8(random_tconv_shape(rng, trial), trial % 2 == 1, trial % 4 != 0, rng);
  }
}

void check_tconv_int16(const TconvShape& s, std::mt19937& rng) {
  const float in_scale = random_scale(rng, 1e-4f, 1e-2f),
              out_scale = random_scale(rng, 1e-4f, 1e-2f);
  std::vector<float> w_scales(s.oc);
  for (float& v : w_scales) v = random_scale(rng, 1e-3f, 0.05f);
  std::vector<int8_t> weights(s.oc * s.kh * s.kw * s.ic);
  std::vector<int16_t> input(s.n * s.h * s.w * s.ic);
  for (auto& v : weights) v = random_int<int8_t>(rng, -127, 127);
  for (auto& v : input) v = random_int<int16_t>(rng, -32768, 32767);
  std::vector<int64_t> bias(s.oc);
  for (auto& v : bias) v = random_int<int64_t>(rng, -3000000, 3000000);

  // As in the seanet models: output_shape is a graph input next to the activations.
  ModelBuilder m;
  const int shape = m.add_input(DataType::kInt32, {4});
  const int w =
      m.add_constant(DataType::kInt8, {s.oc, s.kh, s.kw, s.ic}, weights, per_channel(w_scales));
  const int in = m.add_input(DataType::kInt16, {s.n, s.h, s.w, s.ic}, per_tensor(in_scale, 0));
  std::vector<float> b_scales;
  for (float v : w_scales) b_scales.push_back(v * in_scale);
  const int b = m.add_constant(DataType::kInt64, {s.oc}, bias, per_channel(b_scales));
  const int out = m.add_tensor(DataType::kInt16, {s.n, s.oh, s.ow, s.oc}, per_tensor(out_scale, 0));
  add_tconv(m, s, shape, w, in, b, out);
  const RunResult result = run_model(
      m.finish(), {to_bytes(std::vector<int32_t>{s.n, s.oh, s.ow, s.oc}), to_bytes(input)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<int16_t>(result.outputs[0]);
  ASSERT_EQ(got.size(), static_cast<size_t>(s.n * s.oh * s.ow * s.oc));

  for (int bi = 0; bi < s.n; ++bi)
    for (int oy = 0; oy < s.oh; ++oy)
      for (int ox = 0; ox < s.ow; ++ox)
        for (int oc = 0; oc < s.oc; ++oc) {
          int64_t acc = bias[oc];
          gather(s, bi, oy, ox, oc,
                 [&](int i, int k) { acc += static_cast<int64_t>(input[i]) * weights[k]; });
          const double real =
              static_cast<double>(in_scale) * w_scales[oc] / static_cast<double>(out_scale);
          const int64_t expected =
              std::clamp<int64_t>(reference_requantize_int64(acc, real), -32768, 32767);
          ASSERT_EQ(got[((bi * s.oh + oy) * s.ow + ox) * s.oc + oc], expected)
              << "b " << bi << " y " << oy << " x " << ox << " c " << oc;
        }
}

TEST(TransposeConv, Int16MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(12);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    check_tconv_int16(random_tconv_shape(rng, trial), rng);
  }
}

TEST(TransposeConv, FloatMatchesReference) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    const TconvShape s = random_tconv_shape(rng, trial);
    std::vector<float> weights(s.oc * s.kh * s.kw * s.ic), input(s.n * s.h * s.w * s.ic),
        bias(s.oc);
    for (auto& v : weights) v = u(rng);
    for (auto& v : input) v = u(rng);
    for (auto& v : bias) v = u(rng);
    ModelBuilder m;
    const int shape =
        m.add_constant(DataType::kInt32, {4}, std::vector<int32_t>{s.n, s.oh, s.ow, s.oc});
    const int w = m.add_constant(DataType::kFloat32, {s.oc, s.kh, s.kw, s.ic}, weights);
    const int in = m.add_input(DataType::kFloat32, {s.n, s.h, s.w, s.ic});
    const int b = m.add_constant(DataType::kFloat32, {s.oc}, bias);
    const int out = m.add_tensor(DataType::kFloat32, {s.n, s.oh, s.ow, s.oc});
    add_tconv(m, s, shape, w, in, b, out, ActivationFunctionType::RELU6);
    const RunResult result = run_model(m.finish(), {to_bytes(input)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<float>(result.outputs[0]);
    for (int bi = 0; bi < s.n; ++bi)
      for (int oy = 0; oy < s.oh; ++oy)
        for (int ox = 0; ox < s.ow; ++ox)
          for (int oc = 0; oc < s.oc; ++oc) {
            double acc = bias[oc];
            gather(s, bi, oy, ox, oc,
                   [&](int i, int k) { acc += static_cast<double>(input[i]) * weights[k]; });
            EXPECT_NEAR(got[((bi * s.oh + oy) * s.ow + ox) * s.oc + oc], std::clamp(acc, 0.0, 6.0),
                        1e-5);
          }
  }
}

TEST(TransposeConv, RejectsMismatchedBias) {
  const TconvShape s{1, 2, 2, 3, 4, 3, 3, 2, 2, 4, 4, Padding::SAME};
  ModelBuilder m;
  const int shape = m.add_constant(DataType::kInt32, {4}, std::vector<int32_t>{1, 4, 4, 4});
  const int w = m.add_constant(DataType::kFloat32, {4, 3, 3, 3}, std::vector<float>(108, 0.5f));
  const int in = m.add_input(DataType::kFloat32, {1, 2, 2, 3});
  const int b = m.add_constant(DataType::kFloat32, {3}, std::vector<float>(3, 0.f));
  const int out = m.add_tensor(DataType::kFloat32, {1, 4, 4, 4});
  add_tconv(m, s, shape, w, in, b, out);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("bias"), std::string::npos) << result.message;
}

TEST(TransposeConv, RejectsHybridWeights) {
  const TconvShape s{1, 2, 2, 3, 4, 3, 3, 2, 2, 4, 4, Padding::SAME};
  ModelBuilder m;
  const int shape = m.add_constant(DataType::kInt32, {4}, std::vector<int32_t>{1, 4, 4, 4});
  const int w = m.add_constant(DataType::kFloat32, {4, 3, 3, 3}, std::vector<float>(108, 0.5f));
  const int in = m.add_input(DataType::kInt8, {1, 2, 2, 3}, per_tensor(0.1f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, 4, 4, 4}, per_tensor(0.1f, 0));
  add_tconv(m, s, shape, w, in, -1, out);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("int8 weights"), std::string::npos) << result.message;
}

TEST(TransposeConv, RejectsOutputShapeOperandThatDisagreesAtRunTime) {
  const TconvShape s{1, 2, 2, 1, 1, 2, 2, 2, 2, 4, 4, Padding::VALID};
  ModelBuilder m;
  const int shape = m.add_input(DataType::kInt32, {4});
  const int w = m.add_constant(DataType::kFloat32, {1, 2, 2, 1}, std::vector<float>(4, 1.0f));
  const int in = m.add_input(DataType::kFloat32, {1, 2, 2, 1});
  const int out = m.add_tensor(DataType::kFloat32, {1, 4, 4, 1});
  add_tconv(m, s, shape, w, in, -1, out);
  const auto model = m.finish();
  const auto input = to_bytes(std::vector<float>{1, 2, 3, 4});
  const RunResult ok = run_model(model, {to_bytes(std::vector<int32_t>{1, 4, 4, 1}), input});
  ASSERT_EQ(ok.status, Status::kOk) << ok.message;
  EXPECT_EQ(from_bytes<float>(ok.outputs[0])[5], 1.0f);  // input (0,0) at output (1,1)
  const RunResult bad = run_model(model, {to_bytes(std::vector<int32_t>{1, 5, 4, 1}), input});
  EXPECT_EQ(bad.status, Status::kKernelError);
  EXPECT_NE(bad.message.find("output_shape"), std::string::npos) << bad.message;
}

// ---------------------------------------------------------------------------------------------
// SVDF

struct SvdfShape {
  int batches, input_size, units, rank, memory;
  int filters() const { return units * rank; }
};

SvdfShape random_svdf_shape(std::mt19937& rng) {
  return {random_int<int>(rng, 1, 3), random_int<int>(rng, 1, 20), random_int<int>(rng, 1, 6),
          random_int<int>(rng, 1, 3), random_int<int>(rng, 1, 6)};
}

// Builds an SVDF model: input is the only graph input, state a variable.
std::vector<uint8_t> svdf_model(const SvdfShape& s, DataType in_type, DataType time_type,
                                const Quant& in_q, const Quant& feature_q, const Quant& time_q,
                                const Quant& bias_q, const Quant& state_q, const Quant& out_q,
                                const std::vector<uint8_t>& feature,
                                const std::vector<uint8_t>& time, const std::vector<uint8_t>& bias,
                                ActivationFunctionType activation, bool state_is_variable = true) {
  ModelBuilder m;
  const bool is_float = in_type == DataType::kFloat32;
  const int in = m.add_input(in_type, {s.batches, s.input_size}, in_q);
  const int f = m.add_constant_bytes(is_float ? DataType::kFloat32 : DataType::kInt8,
                                     {s.filters(), s.input_size}, feature, feature_q);
  const int t = m.add_constant_bytes(time_type, {s.filters(), s.memory}, time, time_q);
  const int b = bias.empty()
                    ? -1
                    : m.add_constant_bytes(is_float ? DataType::kFloat32 : DataType::kInt32,
                                           {s.units}, bias, bias_q);
  const std::vector<int32_t> state_shape{s.batches, s.memory * s.filters()};
  const int st = state_is_variable ? m.add_variable(time_type, state_shape, state_q)
                                   : m.add_input(time_type, state_shape, state_q);
  const int out =
      m.add_tensor(is_float ? DataType::kFloat32 : DataType::kInt8, {s.batches, s.units}, out_q);
  auto options = tflite::CreateSVDFOptions(m.fbb(), s.rank, activation).Union();
  m.add_op(BuiltinOperator::SVDF, {in, f, t, b, st}, {out}, BuiltinOptions::SVDFOptions, options,
           3);
  return m.finish();
}

// TFLM's integer SVDF over `invocations` runs on the same input; T is the state/time dtype.
template <typename T>
std::vector<int8_t> reference_svdf_int8(const SvdfShape& s, int invocations,
                                        const std::vector<int8_t>& input, int32_t in_zp,
                                        const std::vector<int8_t>& feature,
                                        const std::vector<T>& time,
                                        const std::vector<int32_t>* bias, int32_t state_zp,
                                        int32_t out_zp, double scale_1, double scale_2) {
  const int F = s.filters(), M = s.memory;
  std::vector<T> state(s.batches * F * M, static_cast<T>(sizeof(T) == 1 ? state_zp : 0));
  std::vector<int8_t> output(s.batches * s.units);
  const int64_t tmin = sizeof(T) == 1 ? -128 : -32768, tmax = sizeof(T) == 1 ? 127 : 32767;
  for (int step = 0; step < invocations; ++step) {
    for (int b = 0; b < s.batches; ++b)
      for (int f = 0; f < F; ++f) {
        T* mem = &state[(b * F + f) * M];
        for (int m = 0; m + 1 < M; ++m) mem[m] = mem[m + 1];
        int64_t dot = 0;
        for (int i = 0; i < s.input_size; ++i)
          dot += static_cast<int64_t>(feature[f * s.input_size + i]) *
                 (input[b * s.input_size + i] - in_zp);
        const int64_t clamped = std::clamp<int64_t>(reference_requantize(dot, scale_1), tmin, tmax);
        mem[M - 1] = static_cast<T>(clamped + state_zp);  // wraps, as TFLM's narrowing store
      }
    for (int b = 0; b < s.batches; ++b)
      for (int u = 0; u < s.units; ++u) {
        // TFLM accumulates each filter, and the sum over a unit's filters, in int32.
        int64_t acc = bias ? (*bias)[u] : 0;
        for (int r = 0; r < s.rank; ++r) {
          const int f = u * s.rank + r;
          int64_t dot = 0;
          for (int m = 0; m < M; ++m)
            dot += static_cast<int64_t>(time[f * M + m]) * (state[(b * F + f) * M + m] - state_zp);
          acc = static_cast<int32_t>(acc + static_cast<int32_t>(dot));
        }
        output[b * s.units + u] = static_cast<int8_t>(
            std::clamp<int64_t>(reference_requantize(acc, scale_2) + out_zp, -128, 127));
      }
  }
  return output;
}

template <typename T>
void check_svdf_int8(const SvdfShape& s, int invocations, bool with_bias, std::mt19937& rng) {
  const DataType time_type = sizeof(T) == 1 ? DataType::kInt8 : DataType::kInt16;
  const float in_scale = random_scale(rng, 1e-3f, 0.1f),
              feature_scale = random_scale(rng, 1e-3f, 0.05f);
  const float time_scale = random_scale(rng, 1e-4f, 0.05f),
              out_scale = random_scale(rng, 0.01f, 0.5f);
  const float state_scale =
      sizeof(T) == 1 ? random_scale(rng, 0.02f, 1.0f) : random_scale(rng, 1e-4f, 1e-2f);
  const int32_t in_zp = random_int<int32_t>(rng, -128, 127),
                out_zp = random_int<int32_t>(rng, -128, 127);
  // int8 state with a zero point far from 0 exercises TFLM's clamp-then-add-zero-point order.
  const int32_t state_zp = sizeof(T) == 1 ? random_int<int32_t>(rng, -100, 100) : 0;
  std::vector<int8_t> input(s.batches * s.input_size), feature(s.filters() * s.input_size);
  std::vector<T> time(s.filters() * s.memory);
  std::vector<int32_t> bias(s.units);
  for (auto& v : input) v = random_int<int8_t>(rng, -128, 127);
  for (auto& v : feature) v = random_int<int8_t>(rng, -127, 127);
  for (auto& v : time)
    v = random_int<T>(rng, sizeof(T) == 1 ? -127 : -4096, sizeof(T) == 1 ? 127 : 4096);
  for (auto& v : bias) v = random_int<int32_t>(rng, -20000, 20000);
  const float bias_scale = state_scale * time_scale;
  const auto model = svdf_model(
      s, DataType::kInt8, time_type, per_tensor(in_scale, in_zp), per_tensor(feature_scale, 0),
      per_tensor(time_scale, 0), per_tensor(bias_scale, 0), per_tensor(state_scale, state_zp),
      per_tensor(out_scale, out_zp), to_bytes(feature), to_bytes(time),
      with_bias ? to_bytes(bias) : std::vector<uint8_t>{}, ActivationFunctionType::RELU);
  const RunResult result = run_model(model, {to_bytes(input)}, invocations);
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<int8_t>(result.outputs[0]);
  // TFLM computes the effective scales in float.
  const double scale_1 = static_cast<double>(in_scale * feature_scale / state_scale);
  const double scale_2 = static_cast<double>(state_scale * time_scale / out_scale);
  const auto expected =
      reference_svdf_int8<T>(s, invocations, input, in_zp, feature, time,
                             with_bias ? &bias : nullptr, state_zp, out_zp, scale_1, scale_2);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "element " << i;
}

TEST(Svdf, Int8StateMatchesReferenceOverInvocations) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 50; ++trial) {
    SCOPED_TRACE(trial);
    check_svdf_int8<int8_t>(random_svdf_shape(rng), 1 + trial % 5, trial % 4 != 3, rng);
  }
}

TEST(Svdf, Int16StateMatchesReferenceOverInvocations) {
  std::mt19937 rng(22);
  for (int trial = 0; trial < 50; ++trial) {
    SCOPED_TRACE(trial);
    check_svdf_int8<int16_t>(random_svdf_shape(rng), 1 + trial % 5, trial % 4 != 3, rng);
  }
}

TEST(Svdf, StatePersistsAcrossInvocations) {
  // One filter, memory 3, time weights (1, 2, 4): the output after k runs on a constant input
  // sees the feature value in k of the 3 slots.
  const SvdfShape s{1, 1, 1, 1, 3};
  const auto model =
      svdf_model(s, DataType::kFloat32, DataType::kFloat32, {}, {}, {}, {}, {}, {},
                 to_bytes(std::vector<float>{2.0f}), to_bytes(std::vector<float>{1, 2, 4}), {},
                 ActivationFunctionType::NONE);
  const auto input = to_bytes(std::vector<float>{1.0f});
  const float expected[] = {8.0f, 12.0f, 14.0f, 14.0f};
  for (int k = 1; k <= 4; ++k) {
    const RunResult result = run_model(model, {input}, k);
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    EXPECT_EQ(from_bytes<float>(result.outputs[0])[0], expected[k - 1]) << k << " invocations";
  }
}

TEST(Svdf, FloatMatchesReferenceOverInvocations) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    const SvdfShape s = random_svdf_shape(rng);
    const int invocations = 1 + trial % 4;
    const int F = s.filters(), M = s.memory;
    std::vector<float> input(s.batches * s.input_size), feature(F * s.input_size), time(F * M),
        bias(s.units);
    for (auto* v : {&input, &feature, &time, &bias})
      for (auto& x : *v) x = u(rng);
    const auto model =
        svdf_model(s, DataType::kFloat32, DataType::kFloat32, {}, {}, {}, {}, {}, {},
                   to_bytes(feature), to_bytes(time), to_bytes(bias), ActivationFunctionType::RELU);
    const RunResult result = run_model(model, {to_bytes(input)}, invocations);
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<float>(result.outputs[0]);
    std::vector<double> state(s.batches * F * M, 0.0);
    std::vector<double> expected(s.batches * s.units);
    for (int step = 0; step < invocations; ++step) {
      for (int b = 0; b < s.batches; ++b)
        for (int f = 0; f < F; ++f) {
          double* mem = &state[(b * F + f) * M];
          for (int m = 0; m + 1 < M; ++m) mem[m] = mem[m + 1];
          double dot = 0;
          for (int i = 0; i < s.input_size; ++i)
            dot += static_cast<double>(feature[f * s.input_size + i]) * input[b * s.input_size + i];
          mem[M - 1] = dot;
        }
      for (int b = 0; b < s.batches; ++b)
        for (int un = 0; un < s.units; ++un) {
          double acc = bias[un];
          for (int r = 0; r < s.rank; ++r)
            for (int m = 0; m < M; ++m)
              acc += time[(un * s.rank + r) * M + m] * state[(b * F + un * s.rank + r) * M + m];
          expected[b * s.units + un] = std::max(0.0, acc);
        }
    }
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4) << i;
  }
}

TEST(Svdf, RejectsStateThatIsNotVariable) {
  const SvdfShape s{1, 4, 2, 1, 3};
  const auto model =
      svdf_model(s, DataType::kFloat32, DataType::kFloat32, {}, {}, {}, {}, {}, {},
                 to_bytes(std::vector<float>(8, 1.0f)), to_bytes(std::vector<float>(6, 1.0f)), {},
                 ActivationFunctionType::NONE, /*state_is_variable=*/false);
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("variable"), std::string::npos) << result.message;
}

TEST(Svdf, RejectsMismatchedTimeWeightsDtype) {
  // int8 time weights with an int16 state: TFLM reads both as one dtype, so this is refused.
  const SvdfShape s{1, 4, 2, 1, 3};
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, {1, 4}, per_tensor(0.1f, 0));
  const int f =
      m.add_constant(DataType::kInt8, {2, 4}, std::vector<int8_t>(8, 1), per_tensor(0.01f, 0));
  const int t =
      m.add_constant(DataType::kInt8, {2, 3}, std::vector<int8_t>(6, 1), per_tensor(0.01f, 0));
  const int st = m.add_variable(DataType::kInt16, {1, 6}, per_tensor(0.001f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, 2}, per_tensor(0.1f, 0));
  auto options = tflite::CreateSVDFOptions(m.fbb(), s.rank).Union();
  m.add_op(BuiltinOperator::SVDF, {in, f, t, -1, st}, {out}, BuiltinOptions::SVDFOptions, options,
           3);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("same dtype"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------------------------------------
// BATCH_MATMUL

struct MatMulCase {
  std::vector<int32_t> lhs, rhs, out;  // shapes
  bool adj_x, adj_y;
  int rows, cols, depth;
};

// Random operands of rank 2..5 with broadcasting batch dimensions.
MatMulCase random_matmul(std::mt19937& rng, int trial) {
  MatMulCase c;
  c.adj_x = trial % 2 == 1;
  c.adj_y = trial % 4 >= 2;
  c.rows = random_int<int>(rng, 1, 5);
  c.cols = random_int<int>(rng, 1, 5);
  c.depth = random_int<int>(rng, 1, 12);
  const int lrank = random_int<int>(rng, 2, 5), rrank = random_int<int>(rng, 2, 5);
  const int orank = std::max(lrank, rrank);
  std::vector<int32_t> batch(orank - 2);
  for (auto& b : batch) b = random_int<int32_t>(rng, 1, 3);
  auto batch_of = [&](int rank) {
    std::vector<int32_t> dims;
    for (int i = orank - rank; i < orank - 2; ++i)
      dims.push_back(random_int<int>(rng, 0, 2) == 0 ? 1 : batch[i]);
    return dims;
  };
  c.lhs = batch_of(lrank);
  c.rhs = batch_of(rrank);
  // The output batch dimensions are the broadcast of both.
  for (int i = 0; i < orank - 2; ++i) {
    const int li = i - (orank - lrank), ri = i - (orank - rrank);
    const int l = li >= 0 ? c.lhs[li] : 1, r = ri >= 0 ? c.rhs[ri] : 1;
    c.out.push_back(std::max(l, r));
  }
  if (c.adj_x) {
    c.lhs.push_back(c.depth);
    c.lhs.push_back(c.rows);
  } else {
    c.lhs.push_back(c.rows);
    c.lhs.push_back(c.depth);
  }
  if (c.adj_y) {
    c.rhs.push_back(c.cols);
    c.rhs.push_back(c.depth);
  } else {
    c.rhs.push_back(c.depth);
    c.rhs.push_back(c.cols);
  }
  c.out.push_back(c.rows);
  c.out.push_back(c.cols);
  return c;
}

int64_t count(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// Calls f(output index, lhs index of (r, k) -> fn, rhs index) through broadcasting: for each
// output element, visits k and hands the flat lhs / rhs indices.
template <typename F>
void matmul_reference(const MatMulCase& c, F f) {
  const int orank = static_cast<int>(c.out.size());
  const int64_t batches = count(c.out) / (c.rows * c.cols);
  for (int64_t bi = 0; bi < batches; ++bi) {
    // Decompose the output batch index and map it into each operand (index 0 where size 1).
    std::vector<int32_t> idx(orank - 2);
    int64_t rem = bi;
    for (int i = orank - 3; i >= 0; --i) {
      idx[i] = static_cast<int32_t>(rem % c.out[i]);
      rem /= c.out[i];
    }
    auto flat_batch = [&](const std::vector<int32_t>& shape) {
      const int rank = static_cast<int>(shape.size());
      int64_t flat = 0;
      for (int i = 0; i < rank - 2; ++i) {
        const int oi = i + (orank - rank);
        flat = flat * shape[i] + (shape[i] == 1 ? 0 : idx[oi]);
      }
      return flat;
    };
    const int64_t lb = flat_batch(c.lhs) * c.rows * c.depth;
    const int64_t rb = flat_batch(c.rhs) * c.depth * c.cols;
    for (int r = 0; r < c.rows; ++r)
      for (int col = 0; col < c.cols; ++col)
        for (int k = 0; k < c.depth; ++k) {
          const int64_t li = lb + (c.adj_x ? k * c.rows + r : r * c.depth + k);
          const int64_t ri = rb + (c.adj_y ? col * c.depth + k : k * c.cols + col);
          f((bi * c.rows + r) * c.cols + col, li, ri);
        }
  }
}

std::vector<uint8_t> matmul_model(const MatMulCase& c, DataType type, const Quant& lq,
                                  const Quant& rq, const Quant& oq,
                                  const std::vector<uint8_t>* rhs_constant) {
  ModelBuilder m;
  const int l = m.add_input(type, c.lhs, lq);
  const int r = rhs_constant ? m.add_constant_bytes(type, c.rhs, *rhs_constant, rq)
                             : m.add_input(type, c.rhs, rq);
  const int o = m.add_tensor(type, c.out, oq);
  auto options = tflite::CreateBatchMatMulOptions(m.fbb(), c.adj_x, c.adj_y).Union();
  m.add_op(BuiltinOperator::BATCH_MATMUL, {l, r}, {o}, BuiltinOptions::BatchMatMulOptions, options,
           1);
  return m.finish();
}

template <typename T>
void check_matmul_quantized(const MatMulCase& c, bool rhs_constant, std::mt19937& rng) {
  const bool is_int8 = sizeof(T) == 1;
  const DataType type = is_int8 ? DataType::kInt8 : DataType::kInt16;
  const int64_t lo = is_int8 ? -128 : -32768, hi = is_int8 ? 127 : 32767;
  const float ls = random_scale(rng, 1e-3f, 0.1f), rs = random_scale(rng, 1e-3f, 0.1f);
  // Output scales that keep most results inside the output range.
  const float os =
      ls * rs * (is_int8 ? random_scale(rng, 100.0f, 3000.0f) : random_scale(rng, 2e4f, 3e5f));
  const int32_t lzp = is_int8 ? random_int<int32_t>(rng, -128, 127) : 0;
  const int32_t rzp = is_int8 ? random_int<int32_t>(rng, -128, 127) : 0;
  const int32_t ozp = is_int8 ? random_int<int32_t>(rng, -128, 127) : 0;
  std::vector<T> lhs(count(c.lhs)), rhs(count(c.rhs));
  for (auto& v : lhs) v = random_int<T>(rng, lo, hi);
  for (auto& v : rhs) v = random_int<T>(rng, lo, hi);
  const auto rhs_bytes = to_bytes(rhs);
  const auto model = matmul_model(c, type, per_tensor(ls, lzp), per_tensor(rs, rzp),
                                  per_tensor(os, ozp), rhs_constant ? &rhs_bytes : nullptr);
  std::vector<std::vector<uint8_t>> inputs{to_bytes(lhs)};
  if (!rhs_constant) inputs.push_back(rhs_bytes);
  const RunResult result = run_model(model, inputs);
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<T>(result.outputs[0]);
  ASSERT_EQ(static_cast<int64_t>(got.size()), count(c.out));
  std::vector<int64_t> acc(got.size(), 0);
  matmul_reference(c, [&](int64_t o, int64_t li, int64_t ri) {
    acc[o] += static_cast<int64_t>(lhs[li] - lzp) * (rhs[ri] - rzp);
  });
  // TFLM: multiplier = float(lhs_scale * rhs_scale) / output_scale.
  const double real = static_cast<double>(ls * rs) / static_cast<double>(os);
  for (size_t i = 0; i < got.size(); ++i) {
    const int64_t scaled =
        is_int8 ? reference_requantize(acc[i], real) : reference_requantize_int64(acc[i], real);
    ASSERT_EQ(got[i], std::clamp<int64_t>(scaled + ozp, lo, hi)) << "element " << i;
  }
}

TEST(BatchMatMul, Int8MatchesReferenceWithBroadcastAndAdjoints) {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE(trial);
    check_matmul_quantized<int8_t>(random_matmul(rng, trial), trial % 3 == 0, rng);
  }
}

TEST(BatchMatMul, Int16MatchesReferenceWithBroadcastAndAdjoints) {
  std::mt19937 rng(32);
  for (int trial = 0; trial < 60; ++trial) {
    SCOPED_TRACE(trial);
    check_matmul_quantized<int16_t>(random_matmul(rng, trial), trial % 3 == 0, rng);
  }
}

TEST(BatchMatMul, FloatMatchesReference) {
  std::mt19937 rng(33);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    const MatMulCase c = random_matmul(rng, trial);
    std::vector<float> lhs(count(c.lhs)), rhs(count(c.rhs));
    for (auto& v : lhs) v = u(rng);
    for (auto& v : rhs) v = u(rng);
    const RunResult result = run_model(matmul_model(c, DataType::kFloat32, {}, {}, {}, nullptr),
                                       {to_bytes(lhs), to_bytes(rhs)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<float>(result.outputs[0]);
    std::vector<double> expected(got.size(), 0.0);
    matmul_reference(c, [&](int64_t o, int64_t li, int64_t ri) {
      expected[o] += static_cast<double>(lhs[li]) * rhs[ri];
    });
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
  }
}

TEST(BatchMatMul, RejectsMismatchedInnerDimensions) {
  MatMulCase c{{2, 3, 4}, {2, 5, 6}, {2, 3, 6}, false, false, 3, 6, 4};
  const LoadResult result = load_model(matmul_model(c, DataType::kFloat32, {}, {}, {}, nullptr));
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("inner dimensions"), std::string::npos) << result.message;
}

TEST(BatchMatMul, RejectsMixedDtypes) {
  ModelBuilder m;
  const int l = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.1f, 0));
  const int r = m.add_input(DataType::kInt16, {3, 4}, per_tensor(0.1f, 0));
  const int o = m.add_tensor(DataType::kInt8, {2, 4}, per_tensor(0.1f, 0));
  m.add_op(BuiltinOperator::BATCH_MATMUL, {l, r}, {o});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("same dtype"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace tinyforge::testing
