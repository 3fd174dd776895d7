// AVERAGE_POOL_2D, MAX_POOL_2D, MEAN, ARG_MAX and RESIZE_NEAREST_NEIGHBOR against plain
// references (double / int64 with TFLite's rounding) on random shapes and quantization.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tests/support/model_builder.h"
#include "tests/support/pool_reference.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;
using tflite::Padding;

int64_t product(const std::vector<int32_t>& dims) {
  int64_t n = 1;
  for (int32_t d : dims) n *= d;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Pooling

struct PoolCase {
  int n, h, w, c, fh, fw, sh, sw;
  Padding padding;
  ActivationFunctionType activation;
  int out_h, out_w, pad_h, pad_w;
};

bool make_pool_case(std::mt19937& rng, int trial, PoolCase* pc) {
  const ActivationFunctionType activations[] = {
      ActivationFunctionType::NONE, ActivationFunctionType::RELU, ActivationFunctionType::RELU6};
  PoolCase c{random_int<int>(rng, 1, 2),
             random_int<int>(rng, 1, 11),
             random_int<int>(rng, 1, 11),
             random_int<int>(rng, 1, 5),
             random_int<int>(rng, 1, 5),
             random_int<int>(rng, 1, 5),
             random_int<int>(rng, 1, 3),
             random_int<int>(rng, 1, 3),
             trial % 2 == 0 ? Padding::SAME : Padding::VALID,
             activations[trial % 3],
             0,
             0,
             0,
             0};
  if (c.padding == Padding::SAME) {
    c.out_h = (c.h + c.sh - 1) / c.sh;
    c.out_w = (c.w + c.sw - 1) / c.sw;
  } else {
    if (c.fh > c.h || c.fw > c.w) return false;
    c.out_h = (c.h - c.fh) / c.sh + 1;
    c.out_w = (c.w - c.fw) / c.sw + 1;
  }
  c.pad_h = std::max(0, ((c.out_h - 1) * c.sh + c.fh - c.h) / 2);
  c.pad_w = std::max(0, ((c.out_w - 1) * c.sw + c.fw - c.w) / 2);
  *pc = c;
  return true;
}

std::vector<uint8_t> pool_model(BuiltinOperator op, const PoolCase& c, DataType type, Quant q) {
  ModelBuilder m;
  const int in = m.add_input(type, {c.n, c.h, c.w, c.c}, q);
  const int out = m.add_tensor(type, {c.n, c.out_h, c.out_w, c.c}, q);
  auto options =
      tflite::CreatePool2DOptions(m.fbb(), c.padding, c.sw, c.sh, c.fw, c.fh, c.activation).Union();
  m.add_op(op, {in}, {out}, BuiltinOptions::Pool2DOptions, options, 2);
  return m.finish();
}

// Calls fn(values in the window, clipped to the input) for each output element in order.
template <typename T, typename Fn>
void reference_pool(const PoolCase& c, const std::vector<T>& input, Fn fn) {
  for (int b = 0; b < c.n; ++b)
    for (int oy = 0; oy < c.out_h; ++oy)
      for (int ox = 0; ox < c.out_w; ++ox)
        for (int ch = 0; ch < c.c; ++ch) {
          std::vector<T> window;
          for (int fy = 0; fy < c.fh; ++fy)
            for (int fx = 0; fx < c.fw; ++fx) {
              const int y = oy * c.sh - c.pad_h + fy, x = ox * c.sw - c.pad_w + fx;
              if (y < 0 || y >= c.h || x < 0 || x >= c.w) continue;
              window.push_back(input[((b * c.h + y) * c.w + x) * c.c + ch]);
            }
          fn(window);
        }
}

void quantized_clamp_range(ActivationFunctionType act, float scale, int32_t zp, int32_t qmin,
                           int32_t qmax, int32_t* lo, int32_t* hi) {
  *lo = qmin;
  *hi = qmax;
  if (act == ActivationFunctionType::RELU || act == ActivationFunctionType::RELU6)
    *lo = std::max(qmin, zp);
  if (act == ActivationFunctionType::RELU6)
    *hi = std::min<int32_t>(qmax, zp + static_cast<int32_t>(std::round(6.0f / scale)));
}

template <typename T>
void check_pool_quantized(BuiltinOperator op, DataType type, std::mt19937& rng) {
  const int64_t qmin = type == DataType::kInt8 ? -128 : -32768;
  const int64_t qmax = type == DataType::kInt8 ? 127 : 32767;
  int checked = 0;
  for (int trial = 0; checked < 60; ++trial) {
    PoolCase c;
    if (!make_pool_case(rng, trial, &c)) continue;
    ++checked;
    SCOPED_TRACE(trial);
    const float scale = random_scale(rng, 0.01f, 0.2f);
    const int32_t zp = type == DataType::kInt8 ? random_int<int32_t>(rng, -128, 127) : 0;
    const auto input =
        random_values<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c, qmin, qmax);
    const RunResult r =
        run_model(pool_model(op, c, type, per_tensor(scale, zp)), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<T>(r.outputs[0]);
    int32_t lo, hi;
    quantized_clamp_range(c.activation, scale, zp, static_cast<int32_t>(qmin),
                          static_cast<int32_t>(qmax), &lo, &hi);
    size_t i = 0;
    reference_pool(c, input, [&](const std::vector<T>& window) {
      ASSERT_FALSE(window.empty());
      int64_t value;
      if (op == BuiltinOperator::AVERAGE_POOL_2D) {
        int64_t sum = 0;
        for (T v : window) sum += v;
        value = static_cast<int64_t>(std::round(static_cast<double>(sum) / window.size()));
      } else {
        value = *std::max_element(window.begin(), window.end());
      }
      value = std::clamp<int64_t>(value, lo, hi);
      ASSERT_EQ(got[i], value) << "output " << i;
      ++i;
    });
    ASSERT_EQ(i, got.size());
  }
}

void check_pool_float(BuiltinOperator op, std::mt19937& rng) {
  int checked = 0;
  for (int trial = 0; checked < 40; ++trial) {
    PoolCase c;
    if (!make_pool_case(rng, trial, &c)) continue;
    ++checked;
    SCOPED_TRACE(trial);
    const auto input = random_floats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c);
    const RunResult r = run_model(pool_model(op, c, DataType::kFloat32, {}), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<float>(r.outputs[0]);
    double lo = -1e30, hi = 1e30;
    if (c.activation != ActivationFunctionType::NONE) lo = 0;
    if (c.activation == ActivationFunctionType::RELU6) hi = 6;
    size_t i = 0;
    reference_pool(c, input, [&](const std::vector<float>& window) {
      double value;
      if (op == BuiltinOperator::AVERAGE_POOL_2D) {
        double sum = 0;
        for (float v : window) sum += v;
        value = sum / window.size();
      } else {
        value = *std::max_element(window.begin(), window.end());
      }
      ASSERT_NEAR(got[i], std::clamp(value, lo, hi), 1e-5) << "output " << i;
      ++i;
    });
  }
}

TEST(Pooling, AveragePoolInt8MatchesReference) {
  std::mt19937 rng(11);
  check_pool_quantized<int8_t>(BuiltinOperator::AVERAGE_POOL_2D, DataType::kInt8, rng);
}
TEST(Pooling, AveragePoolInt16MatchesReference) {
  std::mt19937 rng(12);
  check_pool_quantized<int16_t>(BuiltinOperator::AVERAGE_POOL_2D, DataType::kInt16, rng);
}
TEST(Pooling, AveragePoolFloatMatchesReference) {
  std::mt19937 rng(13);
  check_pool_float(BuiltinOperator::AVERAGE_POOL_2D, rng);
}
TEST(Pooling, MaxPoolInt8MatchesReference) {
  std::mt19937 rng(14);
  check_pool_quantized<int8_t>(BuiltinOperator::MAX_POOL_2D, DataType::kInt8, rng);
}
TEST(Pooling, MaxPoolInt16MatchesReference) {
  std::mt19937 rng(15);
  check_pool_quantized<int16_t>(BuiltinOperator::MAX_POOL_2D, DataType::kInt16, rng);
}
TEST(Pooling, MaxPoolFloatMatchesReference) {
  std::mt19937 rng(16);
  check_pool_float(BuiltinOperator::MAX_POOL_2D, rng);
}

TEST(Pooling, AverageRoundsHalfAwayFromZero) {
  // Windows of two: sums of +-3 give +-2 (not +-1), and a sum of -1 gives -1 (-0.5 rounds
  // away from zero).
  PoolCase c{1, 1, 6, 1, 1, 2, 1, 2, Padding::VALID, ActivationFunctionType::NONE, 1, 3, 0, 0};
  const std::vector<int8_t> input = {1, 2, -1, -2, 0, -1};
  const RunResult r = run_model(
      pool_model(BuiltinOperator::AVERAGE_POOL_2D, c, DataType::kInt8, per_tensor(0.1f, 0)),
      {to_bytes(input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(from_bytes<int8_t>(r.outputs[0]), (std::vector<int8_t>{2, -2, -1}));
}

TEST(Pooling, RejectsWrongOutputShape) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, {1, 4, 4, 2}, per_tensor(0.1f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, 3, 3, 2}, per_tensor(0.1f, 0));
  auto options = tflite::CreatePool2DOptions(m.fbb(), Padding::VALID, 2, 2, 2, 2).Union();
  m.add_op(BuiltinOperator::MAX_POOL_2D, {in}, {out}, BuiltinOptions::Pool2DOptions, options);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("output shape"), std::string::npos) << result.message;
}

TEST(Pooling, RejectsDifferentOutputQuantization) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, {1, 4, 4, 2}, per_tensor(0.1f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, 2, 2, 2}, per_tensor(0.1f, 3));
  auto options = tflite::CreatePool2DOptions(m.fbb(), Padding::VALID, 2, 2, 2, 2).Union();
  m.add_op(BuiltinOperator::AVERAGE_POOL_2D, {in}, {out}, BuiltinOptions::Pool2DOptions, options);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("zero point"), std::string::npos) << result.message;
}

TEST(Pooling, RejectsZeroStride) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {1, 4, 4, 2});
  const int out = m.add_tensor(DataType::kFloat32, {1, 2, 2, 2});
  auto options = tflite::CreatePool2DOptions(m.fbb(), Padding::VALID, 0, 2, 2, 2).Union();
  m.add_op(BuiltinOperator::AVERAGE_POOL_2D, {in}, {out}, BuiltinOptions::Pool2DOptions, options);
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("stride"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------------------------------------
// MEAN

struct MeanCase {
  std::vector<int32_t> in_shape;
  std::vector<int32_t> axes;  // as written in the model (may be negative or repeated)
  bool keep_dims;
  std::vector<bool> reduced;
  std::vector<int32_t> out_shape;
};

MeanCase make_mean_case(std::mt19937& rng) {
  MeanCase c;
  const int rank = random_int<int>(rng, 1, 4);
  for (int i = 0; i < rank; ++i) c.in_shape.push_back(random_int<int32_t>(rng, 1, 6));
  const int num_axes = random_int<int>(rng, 1, rank + 1);
  c.reduced.assign(rank, false);
  for (int i = 0; i < num_axes; ++i) {
    const int a = random_int<int>(rng, 0, rank - 1);
    c.reduced[a] = true;
    c.axes.push_back(random_int<int>(rng, 0, 1) ? a - rank : a);
  }
  c.keep_dims = random_int<int>(rng, 0, 1) == 1;
  for (int i = 0; i < rank; ++i) {
    if (!c.reduced[i])
      c.out_shape.push_back(c.in_shape[i]);
    else if (c.keep_dims)
      c.out_shape.push_back(1);
  }
  return c;
}

std::vector<uint8_t> mean_model(const MeanCase& c, DataType type, Quant in_q, Quant out_q) {
  ModelBuilder m;
  const int in = m.add_input(type, c.in_shape, in_q);
  const int axis = m.add_constant(DataType::kInt32, {static_cast<int32_t>(c.axes.size())}, c.axes);
  const int out = m.add_tensor(type, c.out_shape, out_q);
  auto options = tflite::CreateReducerOptions(m.fbb(), c.keep_dims).Union();
  m.add_op(BuiltinOperator::MEAN, {in, axis}, {out}, BuiltinOptions::ReducerOptions, options, 2);
  return m.finish();
}

// Groups input elements by output element: for each output index, the input indices reduced
// into it.
std::vector<std::vector<int64_t>> mean_groups(const MeanCase& c) {
  const int rank = static_cast<int>(c.in_shape.size());
  int64_t outputs = 1;
  for (int i = 0; i < rank; ++i)
    if (!c.reduced[i]) outputs *= c.in_shape[i];
  std::vector<std::vector<int64_t>> groups(outputs);
  std::vector<int32_t> index(rank, 0);
  for (int64_t flat = 0; flat < product(c.in_shape); ++flat) {
    int64_t rem = flat;
    for (int i = rank - 1; i >= 0; --i) {
      index[i] = static_cast<int32_t>(rem % c.in_shape[i]);
      rem /= c.in_shape[i];
    }
    int64_t out = 0;
    for (int i = 0; i < rank; ++i)
      if (!c.reduced[i]) out = out * c.in_shape[i] + index[i];
    groups[out].push_back(flat);
  }
  return groups;
}

template <typename T>
void check_mean_quantized(DataType type, std::mt19937& rng, bool same_quantization) {
  const int64_t qmin = type == DataType::kInt8 ? -128 : -32768;
  const int64_t qmax = type == DataType::kInt8 ? 127 : 32767;
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE(trial);
    const MeanCase c = make_mean_case(rng);
    const float in_scale = random_scale(rng, 0.01f, 0.2f);
    const float out_scale = same_quantization ? in_scale : random_scale(rng, 0.005f, 0.3f);
    const int32_t in_zp = type == DataType::kInt8 ? random_int<int32_t>(rng, -128, 127) : 0;
    const int32_t out_zp = same_quantization         ? in_zp
                           : type == DataType::kInt8 ? random_int<int32_t>(rng, -128, 127)
                                                     : 0;
    const auto input = random_values<T>(rng, product(c.in_shape), qmin, qmax);
    const RunResult r =
        run_model(mean_model(c, type, per_tensor(in_scale, in_zp), per_tensor(out_scale, out_zp)),
                  {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<T>(r.outputs[0]);
    const auto groups = mean_groups(c);
    ASSERT_EQ(got.size(), groups.size());
    const double real = static_cast<double>(in_scale) / static_cast<double>(out_scale);
    for (size_t o = 0; o < groups.size(); ++o) {
      int64_t sum = 0;
      for (int64_t i : groups[o]) sum += input[i] - in_zp;
      const int64_t count = static_cast<int64_t>(groups[o].size());
      const int64_t expected =
          std::clamp<int64_t>(reference_mean_requantize(sum, real, count) + out_zp, qmin, qmax);
      ASSERT_EQ(got[o], expected) << "output " << o;
      // The fixed-point result stays within one step of the real-valued mean.
      const double ideal = std::clamp(static_cast<double>(sum) / count * real + out_zp,
                                      static_cast<double>(qmin), static_cast<double>(qmax));
      ASSERT_LE(std::abs(got[o] - ideal), 1.0) << "output " << o;
    }
  }
}

TEST(Mean, Int8MatchesReference) {
  std::mt19937 rng(21);
  check_mean_quantized<int8_t>(DataType::kInt8, rng, false);
}
TEST(Mean, Int8SameQuantizationMatchesReference) {
  std::mt19937 rng(22);
  check_mean_quantized<int8_t>(DataType::kInt8, rng, true);
}
TEST(Mean, Int16MatchesReference) {
  std::mt19937 rng(23);
  check_mean_quantized<int16_t>(DataType::kInt16, rng, false);
}

TEST(Mean, FloatMatchesReference) {
  std::mt19937 rng(24);
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE(trial);
    MeanCase c = make_mean_case(rng);
    if (trial % 4 == 0) {  // TFLM's dedicated path: 4D over axes {1, 2} with keep_dims
      c.in_shape = {random_int<int32_t>(rng, 1, 3), random_int<int32_t>(rng, 1, 7),
                    random_int<int32_t>(rng, 1, 7), random_int<int32_t>(rng, 1, 5)};
      c.axes = {trial % 8 == 0 ? 1 : 2, trial % 8 == 0 ? 2 : 1};
      c.keep_dims = true;
      c.reduced = {false, true, true, false};
      c.out_shape = {c.in_shape[0], 1, 1, c.in_shape[3]};
    }
    const auto input = random_floats(rng, product(c.in_shape));
    const RunResult r = run_model(mean_model(c, DataType::kFloat32, {}, {}), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<float>(r.outputs[0]);
    const auto groups = mean_groups(c);
    ASSERT_EQ(got.size(), groups.size());
    for (size_t o = 0; o < groups.size(); ++o) {
      double sum = 0;
      for (int64_t i : groups[o]) sum += input[i];
      ASSERT_NEAR(got[o], sum / groups[o].size(), 1e-5) << "output " << o;
    }
  }
}

TEST(Mean, RejectsAxisOutOfRange) {
  MeanCase c{{2, 3}, {2}, false, {}, {2, 3}};
  const LoadResult result = load_model(mean_model(c, DataType::kFloat32, {}, {}));
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("axis"), std::string::npos) << result.message;
}

TEST(Mean, RejectsNonConstantAxis) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {2, 3});
  const int axis = m.add_input(DataType::kInt32, {1});
  const int out = m.add_tensor(DataType::kFloat32, {2});
  m.add_op(BuiltinOperator::MEAN, {in, axis}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("constant"), std::string::npos) << result.message;
}

TEST(Mean, RejectsWrongOutputSize) {
  MeanCase c{{2, 3}, {1}, false, {}, {3}};
  const LoadResult result = load_model(mean_model(c, DataType::kFloat32, {}, {}));
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("output size"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------------------------------------
// ARG_MAX

template <typename T, typename Index>
void check_arg_max(DataType type, DataType index_type, std::mt19937& rng, int64_t lo, int64_t hi) {
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    const int rank = random_int<int>(rng, 1, 4);
    std::vector<int32_t> shape;
    for (int i = 0; i < rank; ++i) shape.push_back(random_int<int32_t>(rng, 1, 6));
    const int axis = random_int<int>(rng, 0, rank - 1);
    const int written_axis = trial % 2 ? axis - rank : axis;
    std::vector<T> input(product(shape));
    if constexpr (std::is_same_v<T, float>) {
      // Few distinct values so ties occur.
      for (auto& v : input) v = static_cast<float>(random_int<int>(rng, -3, 3)) * 0.5f;
    } else {
      for (auto& v : input) v = random_int<T>(rng, lo, hi);
    }
    std::vector<int32_t> out_shape;
    for (int i = 0; i < rank; ++i)
      if (i != axis) out_shape.push_back(shape[i]);
    ModelBuilder m;
    const Quant q = type == DataType::kFloat32 ? Quant{} : per_tensor(0.5f, 0);
    const int in = m.add_input(type, shape, q);
    const int ax = trial % 3 == 0
                       ? m.add_constant(DataType::kInt64, {1}, std::vector<int64_t>{written_axis})
                       : m.add_constant(DataType::kInt32, {1}, std::vector<int32_t>{written_axis});
    const int out = m.add_tensor(index_type, out_shape);
    auto options = tflite::CreateArgMaxOptions(
                       m.fbb(), static_cast<tflite::TensorType>(static_cast<int>(index_type)))
                       .Union();
    m.add_op(BuiltinOperator::ARG_MAX, {in, ax}, {out}, BuiltinOptions::ArgMaxOptions, options, 2);
    const RunResult r = run_model(m.finish(), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<Index>(r.outputs[0]);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= shape[i];
    for (int i = axis + 1; i < rank; ++i) inner *= shape[i];
    ASSERT_EQ(static_cast<int64_t>(got.size()), outer * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < inner; ++j) {
        int64_t best = 0;
        for (int64_t i = 0; i < shape[axis]; ++i) {
          const double v = input[(o * shape[axis] + i) * inner + j];
          const double b = input[(o * shape[axis] + best) * inner + j];
          if (v > b) best = i;  // the first maximum wins
        }
        ASSERT_EQ(got[o * inner + j], best) << "outer " << o << " inner " << j;
      }
  }
}

TEST(ArgMax, FloatInt32Output) {
  std::mt19937 rng(31);
  check_arg_max<float, int32_t>(DataType::kFloat32, DataType::kInt32, rng, 0, 0);
}
TEST(ArgMax, Int8Int64Output) {
  std::mt19937 rng(32);
  check_arg_max<int8_t, int64_t>(DataType::kInt8, DataType::kInt64, rng, -3, 3);
}
TEST(ArgMax, Int8Int32OutputFullRange) {
  std::mt19937 rng(33);
  check_arg_max<int8_t, int32_t>(DataType::kInt8, DataType::kInt32, rng, -128, 127);
}
TEST(ArgMax, UInt8Int32Output) {
  std::mt19937 rng(34);
  check_arg_max<uint8_t, int32_t>(DataType::kUInt8, DataType::kInt32, rng, 250, 255);
}
TEST(ArgMax, Int16Int64Output) {
  std::mt19937 rng(35);
  check_arg_max<int16_t, int64_t>(DataType::kInt16, DataType::kInt64, rng, -32768, -32764);
}

TEST(ArgMax, RejectsFloatOutput) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {2, 3});
  const int ax = m.add_constant(DataType::kInt32, {1}, std::vector<int32_t>{1});
  const int out = m.add_tensor(DataType::kFloat32, {2});
  m.add_op(BuiltinOperator::ARG_MAX, {in, ax}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("int32 or int64"), std::string::npos) << result.message;
}

TEST(ArgMax, RejectsOutputShapeMismatch) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {2, 3});
  const int ax = m.add_constant(DataType::kInt32, {1}, std::vector<int32_t>{1});
  const int out = m.add_tensor(DataType::kInt32, {3});
  m.add_op(BuiltinOperator::ARG_MAX, {in, ax}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("output size"), std::string::npos) << result.message;
}

// ---------------------------------------------------------------------------------------------
// RESIZE_NEAREST_NEIGHBOR

// TFLite's source index, evaluated in float like the converter's runtime does.
int32_t reference_source(int32_t i, int32_t in, int32_t out, bool align, bool half) {
  float scale = static_cast<float>(in) / static_cast<float>(out);
  if (align && out > 1) scale = static_cast<float>(in - 1) / static_cast<float>(out - 1);
  const float pos = (static_cast<float>(i) + (half ? 0.5f : 0.0f)) * scale;
  int32_t s = static_cast<int32_t>(align ? std::round(pos) : std::floor(pos));
  s = std::min(s, in - 1);
  return half ? std::max(s, 0) : s;
}

template <typename T>
void check_resize(DataType type, std::mt19937& rng) {
  for (int trial = 0; trial < 48; ++trial) {
    SCOPED_TRACE(trial);
    const bool align = trial % 4 >= 2, half = trial % 2 == 1;
    const int n = random_int<int>(rng, 1, 2), h = random_int<int>(rng, 1, 9),
              w = random_int<int>(rng, 1, 9), c = random_int<int>(rng, 1, 4);
    const int oh = random_int<int>(rng, 1, 17), ow = random_int<int>(rng, 1, 17);
    std::vector<T> input(static_cast<size_t>(n) * h * w * c);
    for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<T>(i % 100);
    ModelBuilder m;
    const Quant q = type == DataType::kFloat32 ? Quant{} : per_tensor(0.25f, 1);
    const int in = m.add_input(type, {n, h, w, c}, q);
    const int size = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{oh, ow});
    const int out = m.add_tensor(type, {n, oh, ow, c}, q);
    auto options = tflite::CreateResizeNearestNeighborOptions(m.fbb(), align, half).Union();
    m.add_op(BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, {in, size}, {out},
             BuiltinOptions::ResizeNearestNeighborOptions, options, 3);
    const RunResult r = run_model(m.finish(), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const auto got = from_bytes<T>(r.outputs[0]);
    ASSERT_EQ(got.size(), static_cast<size_t>(n) * oh * ow * c);
    size_t i = 0;
    for (int b = 0; b < n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x)
          for (int ch = 0; ch < c; ++ch, ++i) {
            const int sy = reference_source(y, h, oh, align, half);
            const int sx = reference_source(x, w, ow, align, half);
            ASSERT_EQ(got[i], input[((b * h + sy) * w + sx) * c + ch]) << "output " << i;
          }
  }
}

TEST(ResizeNearestNeighbor, FloatMatchesReference) {
  std::mt19937 rng(41);
  check_resize<float>(DataType::kFloat32, rng);
}
TEST(ResizeNearestNeighbor, Int8MatchesReference) {
  std::mt19937 rng(42);
  check_resize<int8_t>(DataType::kInt8, rng);
}
TEST(ResizeNearestNeighbor, Int16MatchesReference) {
  std::mt19937 rng(43);
  check_resize<int16_t>(DataType::kInt16, rng);
}

TEST(ResizeNearestNeighbor, KnownIndices) {
  // 3 -> 5 columns: floor(i * 0.6) = 0,0,1,1,2; half-pixel: floor((i + .5) * .6) = 0,0,1,2,2;
  // align corners: round(i * 0.5) = 0,1,1,2,2 (1.5 rounds away from zero).
  const std::vector<int8_t> input = {10, 20, 30};
  const std::vector<std::vector<int8_t>> expected = {
      {10, 10, 20, 20, 30}, {10, 10, 20, 30, 30}, {10, 20, 20, 30, 30}};
  for (int mode = 0; mode < 3; ++mode) {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt8, {1, 1, 3, 1}, per_tensor(1.0f, 0));
    const int size = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{1, 5});
    const int out = m.add_tensor(DataType::kInt8, {1, 1, 5, 1}, per_tensor(1.0f, 0));
    auto options =
        tflite::CreateResizeNearestNeighborOptions(m.fbb(), mode == 2, mode == 1).Union();
    m.add_op(BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, {in, size}, {out},
             BuiltinOptions::ResizeNearestNeighborOptions, options);
    const RunResult r = run_model(m.finish(), {to_bytes(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(from_bytes<int8_t>(r.outputs[0]), expected[mode]) << "mode " << mode;
  }
}

TEST(ResizeNearestNeighbor, RejectsOutputShapeMismatch) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kFloat32, {1, 2, 2, 1});
  const int size = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{4, 4});
  const int out = m.add_tensor(DataType::kFloat32, {1, 4, 3, 1});
  m.add_op(BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, {in, size}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kMalformedModel);
  EXPECT_NE(result.message.find("output shape"), std::string::npos) << result.message;
}

TEST(ResizeNearestNeighbor, RejectsWrongDtype) {
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt32, {1, 2, 2, 1});
  const int size = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{4, 4});
  const int out = m.add_tensor(DataType::kInt32, {1, 4, 4, 1});
  m.add_op(BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, {in, size}, {out});
  const LoadResult result = load_model(m.finish());
  EXPECT_EQ(result.status, Status::kUnsupported);
  EXPECT_NE(result.message.find("dtype"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace tinyforge::testing
