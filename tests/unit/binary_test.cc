// Elementwise binary kernels (ADD, SUB, MUL, MINIMUM, MAXIMUM, PRELU) on random broadcast shapes
// up to rank 6 and random quantization, against references computed element by element in
// int64/double with TFLite's rounding (tests/support/quant_reference.h, binary_reference.h).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <type_traits>

#include "tests/support/binary_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

using OptionsFn = std::function<std::pair<BuiltinOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

OptionsFn no_options() {
  return [](flatbuffers::FlatBufferBuilder&) {
    return std::make_pair(BuiltinOptions::NONE, flatbuffers::Offset<void>());
  };
}
OptionsFn add_options(ActivationFunctionType act, bool pot = true) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(BuiltinOptions::AddOptions,
                          tflite::CreateAddOptions(fbb, act, pot).Union());
  };
}
OptionsFn sub_options(ActivationFunctionType act, bool pot = true) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(BuiltinOptions::SubOptions,
                          tflite::CreateSubOptions(fbb, act, pot).Union());
  };
}
OptionsFn mul_options(ActivationFunctionType act) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(BuiltinOptions::MulOptions, tflite::CreateMulOptions(fbb, act).Union());
  };
}
OptionsFn min_max_options() {
  return [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(BuiltinOptions::MaximumMinimumOptions,
                          tflite::CreateMaximumMinimumOptions(fbb).Union());
  };
}

struct Operand {
  DataType type;
  Shape shape;
  Quant quant;
};

// A one-operator model: a and b are graph inputs (b may instead be a constant holding
// `b_constant`), output `out`.
std::vector<uint8_t> binary_model(BuiltinOperator op, const Operand& a, const Operand& b,
                                  const Operand& out, const OptionsFn& options, int version = 1,
                                  const std::vector<uint8_t>* b_constant = nullptr) {
  ModelBuilder m;
  const int ia = m.add_input(a.type, a.shape, a.quant);
  const int ib = b_constant ? m.add_constant_bytes(b.type, b.shape, *b_constant, b.quant)
                            : m.add_input(b.type, b.shape, b.quant);
  const int io = m.add_tensor(out.type, out.shape, out.quant);
  const auto [type, offset] = options(m.fbb());
  m.add_op(op, {ia, ib}, {io}, type, offset, version);
  return m.finish();
}

const ActivationFunctionType kActivations[] = {
    ActivationFunctionType::NONE, ActivationFunctionType::RELU, ActivationFunctionType::RELU6,
    ActivationFunctionType::RELU_N1_TO_1};

// ---------------------------------------------------------------------------------------------
// ADD / SUB, int8 and int16 (general rescaling path).

template <typename T>
void check_add_sub_quantized(bool sub, DataType type, uint32_t seed, int trials) {
  std::mt19937 rng(seed);
  const int left_shift = type == DataType::kInt16 ? 15 : 20;
  const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  std::uniform_real_distribution<double> spread(-2.0, 2.0), out_spread(-0.7, 1.5);
  for (int trial = 0; trial < trials; ++trial) {
    SCOPED_TRACE(trial);
    const BroadcastCase c = random_broadcast_case(rng);
    const float s1 = random_scale(rng, 1e-4f, 0.1f);
    const float s2 = static_cast<float>(s1 * std::exp(spread(rng)));
    const float so = static_cast<float>(std::max(s1, s2) * std::exp(out_spread(rng)));
    int32_t zp1 = 0, zp2 = 0, zpo = 0;
    if (type == DataType::kInt8 || trial % 4 == 3) {
      const int32_t range = type == DataType::kInt8 ? 128 : 1000;
      zp1 = random_int<int32_t>(rng, -range, range - 1);
      zp2 = random_int<int32_t>(rng, -range, range - 1);
      zpo = random_int<int32_t>(rng, -range, range - 1);
    }
    const ActivationFunctionType act = kActivations[trial % 4];
    const bool pot = trial % 2 == 0;
    const auto a = random_values<T>(rng, shape_elements(c.a));
    const auto b = random_values<T>(rng, shape_elements(c.b));
    const auto model = binary_model(
        sub ? BuiltinOperator::SUB : BuiltinOperator::ADD, {type, c.a, per_tensor(s1, zp1)},
        {type, c.b, per_tensor(s2, zp2)}, {type, c.out, per_tensor(so, zpo)},
        sub ? sub_options(act, pot) : add_options(act, pot), 2);
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<T>(result.outputs[0]);
    ASSERT_EQ(static_cast<int64_t>(got.size()), shape_elements(c.out));
    const AddSubMultipliers m = sub ? reference_sub_multipliers(s1, s2, so, left_shift)
                                    : reference_add_multipliers(s1, s2, so, left_shift);
    int32_t lo, hi;
    reference_activation_range(act, so, zpo, qmin, qmax, &lo, &hi);
    for (int64_t i = 0; i < shape_elements(c.out); ++i) {
      const int64_t x1 = a[broadcast_source_index(c.a, c.out, i)];
      const int64_t x2 = b[broadcast_source_index(c.b, c.out, i)];
      const int64_t want =
          reference_add_sub(x1, x2, zp1, zp2, zpo, left_shift, m, sub ? -1 : 1, lo, hi);
      ASSERT_EQ(got[i], want) << "element " << i << " x1 " << x1 << " x2 " << x2;
    }
  }
}

TEST(Add, Int8MatchesReferenceOnRandomBroadcasts) {
  check_add_sub_quantized<int8_t>(false, DataType::kInt8, 11, 80);
}
TEST(Add, Int16MatchesReferenceOnRandomBroadcasts) {
  check_add_sub_quantized<int16_t>(false, DataType::kInt16, 12, 80);
}
TEST(Sub, Int8MatchesReferenceOnRandomBroadcasts) {
  check_add_sub_quantized<int8_t>(true, DataType::kInt8, 13, 80);
}
TEST(Sub, Int16MatchesReferenceOnRandomBroadcasts) {
  check_add_sub_quantized<int16_t>(true, DataType::kInt16, 14, 80);
}

// With power-of-two scales and pot_scale_int16 = true, TFLite Micro still takes the general
// path (left shift 15); so must we.
TEST(Add, Int16PowerOfTwoScalesUseGeneralPathLikeTflm) {
  std::mt19937 rng(15);
  const float s1 = std::ldexp(1.0f, -10), s2 = std::ldexp(1.0f, -12), so = std::ldexp(1.0f, -10);
  const Shape shape = {3, 17};
  for (bool sub : {false, true}) {
    const auto a = random_values<int16_t>(rng, 51), b = random_values<int16_t>(rng, 51);
    const auto model = binary_model(sub ? BuiltinOperator::SUB : BuiltinOperator::ADD,
                                    {DataType::kInt16, shape, per_tensor(s1, 0)},
                                    {DataType::kInt16, shape, per_tensor(s2, 0)},
                                    {DataType::kInt16, shape, per_tensor(so, 0)},
                                    sub ? sub_options(ActivationFunctionType::NONE, true)
                                        : add_options(ActivationFunctionType::NONE, true),
                                    3);
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<int16_t>(result.outputs[0]);
    const AddSubMultipliers m =
        sub ? reference_sub_multipliers(s1, s2, so, 15) : reference_add_multipliers(s1, s2, so, 15);
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(got[i], reference_add_sub(a[i], b[i], 0, 0, 0, 15, m, sub ? -1 : 1, -32768, 32767))
          << "element " << i;
    }
  }
}

// TFLM's SUB derives its multipliers in float, not double. Pick scales where the two give
// different Q31 multipliers, sweep every int16 value, and check that the kernel follows the
// float derivation (and that the double one would differ somewhere, so the test discriminates).
TEST(Sub, Int16FollowsTflmFloatMultipliers) {
  std::mt19937 rng(16);
  float s1 = 0, s2 = 0, so = 0;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    s1 = random_scale(rng, 1e-4f, 0.05f);
    s2 = random_scale(rng, 1e-7f, 1e-4f);
    so = static_cast<float>(s1 * std::exp(std::uniform_real_distribution<double>(-1, 0.5)(rng)));
    const AddSubMultipliers f = reference_sub_multipliers(s1, s2, so, 15);
    const AddSubMultipliers d = reference_add_multipliers(s1, s2, so, 15);
    int64_t mf, md;
    int ef, ed;
    reference_quantize_multiplier(f.output, &mf, &ef);
    reference_quantize_multiplier(d.output, &md, &ed);
    if (mf != md) break;
  }
  std::vector<int16_t> a(65536), b(65536);
  for (int i = 0; i < 65536; ++i) {
    a[i] = static_cast<int16_t>(i - 32768);
    b[i] = random_int<int16_t>(rng, -32768, 32767);
  }
  const Shape shape = {65536};
  const auto model = binary_model(
      BuiltinOperator::SUB, {DataType::kInt16, shape, per_tensor(s1, 0)},
      {DataType::kInt16, shape, per_tensor(s2, 0)}, {DataType::kInt16, shape, per_tensor(so, 0)},
      sub_options(ActivationFunctionType::NONE, false), 3);
  const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  const auto got = from_bytes<int16_t>(result.outputs[0]);
  const AddSubMultipliers f = reference_sub_multipliers(s1, s2, so, 15);
  const AddSubMultipliers d = reference_add_multipliers(s1, s2, so, 15);
  int double_differs = 0;
  for (int i = 0; i < 65536; ++i) {
    ASSERT_EQ(got[i], reference_add_sub(a[i], b[i], 0, 0, 0, 15, f, -1, -32768, 32767))
        << "element " << i;
    double_differs += got[i] != reference_add_sub(a[i], b[i], 0, 0, 0, 15, d, -1, -32768, 32767);
  }
  EXPECT_GT(double_differs, 0) << "scales " << s1 << " " << s2 << " " << so
                               << " do not discriminate";
}

// ---------------------------------------------------------------------------------------------
// float32 and int32 ADD / SUB / MUL.

enum class Arith { kAdd, kSub, kMul };

OptionsFn arith_options(Arith op, ActivationFunctionType act) {
  switch (op) {
    case Arith::kAdd:
      return add_options(act);
    case Arith::kSub:
      return sub_options(act);
    default:
      return mul_options(act);
  }
}
BuiltinOperator arith_code(Arith op) {
  return op == Arith::kAdd ? BuiltinOperator::ADD
                           : (op == Arith::kSub ? BuiltinOperator::SUB : BuiltinOperator::MUL);
}

void check_float_arith(Arith op, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    const BroadcastCase c = random_broadcast_case(rng);
    const ActivationFunctionType act = kActivations[trial % 4];
    const auto a = random_floats(rng, shape_elements(c.a)),
               b = random_floats(rng, shape_elements(c.b));
    const auto model =
        binary_model(arith_code(op), {DataType::kFloat32, c.a, {}}, {DataType::kFloat32, c.b, {}},
                     {DataType::kFloat32, c.out, {}}, arith_options(op, act));
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<float>(result.outputs[0]);
    ASSERT_EQ(static_cast<int64_t>(got.size()), shape_elements(c.out));
    double lo = -1e300, hi = 1e300;
    if (act == ActivationFunctionType::RELU) lo = 0;
    if (act == ActivationFunctionType::RELU6) lo = 0, hi = 6;
    if (act == ActivationFunctionType::RELU_N1_TO_1) lo = -1, hi = 1;
    for (int64_t i = 0; i < shape_elements(c.out); ++i) {
      const double x1 = a[broadcast_source_index(c.a, c.out, i)];
      const double x2 = b[broadcast_source_index(c.b, c.out, i)];
      const double r = op == Arith::kAdd ? x1 + x2 : (op == Arith::kSub ? x1 - x2 : x1 * x2);
      ASSERT_NEAR(got[i], std::clamp(r, lo, hi), 1e-6 * std::max(1.0, std::fabs(r)))
          << "element " << i;
    }
  }
}

TEST(Add, FloatMatchesReference) { check_float_arith(Arith::kAdd, 21); }
TEST(Sub, FloatMatchesReference) { check_float_arith(Arith::kSub, 22); }
TEST(Mul, FloatMatchesReference) { check_float_arith(Arith::kMul, 23); }

void check_int32_arith(Arith op, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE(trial);
    const BroadcastCase c = random_broadcast_case(rng);
    const ActivationFunctionType act = kActivations[trial % 4];
    const int64_t range = op == Arith::kMul ? 40000 : 1000000000;
    const auto a = random_values<int32_t>(rng, shape_elements(c.a), -range, range);
    const auto b = random_values<int32_t>(rng, shape_elements(c.b), -range, range);
    const auto model =
        binary_model(arith_code(op), {DataType::kInt32, c.a, {}}, {DataType::kInt32, c.b, {}},
                     {DataType::kInt32, c.out, {}}, arith_options(op, act));
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<int32_t>(result.outputs[0]);
    // TFLM's int32 ADD ignores the fused activation; SUB and MUL clamp to its integer range.
    int64_t lo = INT32_MIN, hi = INT32_MAX;
    if (op != Arith::kAdd) {
      if (act == ActivationFunctionType::RELU) lo = 0;
      if (act == ActivationFunctionType::RELU6) lo = 0, hi = 6;
      if (act == ActivationFunctionType::RELU_N1_TO_1) lo = -1, hi = 1;
    }
    for (int64_t i = 0; i < shape_elements(c.out); ++i) {
      const int64_t x1 = a[broadcast_source_index(c.a, c.out, i)];
      const int64_t x2 = b[broadcast_source_index(c.b, c.out, i)];
      const int64_t r = op == Arith::kAdd ? x1 + x2 : (op == Arith::kSub ? x1 - x2 : x1 * x2);
      ASSERT_EQ(got[i], std::clamp(r, lo, hi)) << "element " << i;
    }
  }
}

TEST(Add, Int32MatchesReference) { check_int32_arith(Arith::kAdd, 31); }
TEST(Sub, Int32MatchesReference) { check_int32_arith(Arith::kSub, 32); }
TEST(Mul, Int32MatchesReference) { check_int32_arith(Arith::kMul, 33); }

// ---------------------------------------------------------------------------------------------
// MUL, int8 and int16.

template <typename T>
void check_mul_quantized(DataType type, uint32_t seed) {
  std::mt19937 rng(seed);
  const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  std::uniform_real_distribution<double> spread(-6.0, 3.0);
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE(trial);
    const BroadcastCase c = random_broadcast_case(rng);
    const float s1 = random_scale(rng, 1e-4f, 0.5f), s2 = random_scale(rng, 1e-4f, 0.5f);
    // Output scale around the product range, sometimes giving multipliers above one.
    const double full = static_cast<double>(s1) * s2 * (type == DataType::kInt8 ? 128.0 : 32768.0);
    const float so = static_cast<float>(full * std::exp(spread(rng)));
    int32_t zp1 = 0, zp2 = 0, zpo = 0;
    if (type == DataType::kInt8) {
      zp1 = random_int<int32_t>(rng, -128, 127);
      zp2 = random_int<int32_t>(rng, -128, 127);
      zpo = random_int<int32_t>(rng, -128, 127);
    }
    const ActivationFunctionType act = kActivations[trial % 4];
    const auto a = random_values<T>(rng, shape_elements(c.a));
    const auto b = random_values<T>(rng, shape_elements(c.b));
    const auto model = binary_model(
        BuiltinOperator::MUL, {type, c.a, per_tensor(s1, zp1)}, {type, c.b, per_tensor(s2, zp2)},
        {type, c.out, per_tensor(so, zpo)}, mul_options(act), type == DataType::kInt8 ? 2 : 5);
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<T>(result.outputs[0]);
    ASSERT_EQ(static_cast<int64_t>(got.size()), shape_elements(c.out));
    int32_t lo, hi;
    reference_activation_range(act, so, zpo, qmin, qmax, &lo, &hi);
    const double real = static_cast<double>(s1) * s2 / so;
    for (int64_t i = 0; i < shape_elements(c.out); ++i) {
      const int64_t x1 = a[broadcast_source_index(c.a, c.out, i)];
      const int64_t x2 = b[broadcast_source_index(c.b, c.out, i)];
      const int64_t want =
          std::clamp<int64_t>(reference_requantize((x1 - zp1) * (x2 - zp2), real) + zpo, lo, hi);
      ASSERT_EQ(got[i], want) << "element " << i << " x1 " << x1 << " x2 " << x2;
    }
  }
}

TEST(Mul, Int8MatchesReferenceOnRandomBroadcasts) {
  check_mul_quantized<int8_t>(DataType::kInt8, 41);
}
TEST(Mul, Int16MatchesReferenceOnRandomBroadcasts) {
  check_mul_quantized<int16_t>(DataType::kInt16, 42);
}

// ---------------------------------------------------------------------------------------------
// MINIMUM / MAXIMUM.

template <typename T>
void check_min_max(DataType type, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE(trial);
    const bool is_max = trial % 2 == 0;
    const BroadcastCase c = random_broadcast_case(rng);
    std::vector<T> a(shape_elements(c.a)), b(shape_elements(c.b));
    if constexpr (std::is_floating_point_v<T>) {
      a = random_floats(rng, a.size());
      b = random_floats(rng, b.size());
    } else {
      // A narrow range so that ties occur.
      a = random_values<T>(rng, a.size(), -5, 5);
      b = random_values<T>(rng, b.size(), -5, 5);
      if (trial % 3 == 0) a = random_values<T>(rng, a.size());
    }
    Quant q;
    if (type == DataType::kInt8 || type == DataType::kInt16) q = per_tensor(0.05f, 0);
    const auto model =
        binary_model(is_max ? BuiltinOperator::MAXIMUM : BuiltinOperator::MINIMUM, {type, c.a, q},
                     {type, c.b, q}, {type, c.out, q}, min_max_options(), 2);
    const RunResult result = run_model(model, {to_bytes(a), to_bytes(b)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<T>(result.outputs[0]);
    ASSERT_EQ(static_cast<int64_t>(got.size()), shape_elements(c.out));
    for (int64_t i = 0; i < shape_elements(c.out); ++i) {
      const T x1 = a[broadcast_source_index(c.a, c.out, i)];
      const T x2 = b[broadcast_source_index(c.b, c.out, i)];
      ASSERT_EQ(got[i], is_max ? std::max(x1, x2) : std::min(x1, x2)) << "element " << i;
    }
  }
}

TEST(MinimumMaximum, FloatMatchesReference) { check_min_max<float>(DataType::kFloat32, 51); }
TEST(MinimumMaximum, Int8MatchesReference) { check_min_max<int8_t>(DataType::kInt8, 52); }
TEST(MinimumMaximum, Int16MatchesReference) { check_min_max<int16_t>(DataType::kInt16, 53); }
TEST(MinimumMaximum, Int32MatchesReference) { check_min_max<int32_t>(DataType::kInt32, 54); }
TEST(MinimumMaximum, Int64MatchesReference) { check_min_max<int64_t>(DataType::kInt64, 55); }

// ---------------------------------------------------------------------------------------------
// PRELU: alpha is usually a constant with one slope per channel ([C] or [1, 1, C]).

Shape prelu_alpha_shape(std::mt19937& rng, const Shape& input) {
  const int choice = random_int<int>(rng, 0, 2);
  const int32_t channels = input.back();
  if (choice == 0) return {channels};
  if (choice == 1) {
    Shape s(input.size(), 1);
    s.back() = channels;
    return s;
  }
  return {1};
}

Shape random_prelu_input(std::mt19937& rng) {
  const int rank = random_int<int>(rng, 1, 5);
  Shape s(rank);
  for (int32_t& d : s) d = random_int<int32_t>(rng, 1, 5);
  s.back() = random_int<int32_t>(rng, 1, 12);
  return s;
}

template <typename T>
void check_prelu_quantized(DataType type, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    SCOPED_TRACE(trial);
    const Shape in_shape = random_prelu_input(rng);
    const Shape alpha_shape = prelu_alpha_shape(rng, in_shape);
    const float s_in = random_scale(rng, 1e-3f, 0.2f), s_alpha = random_scale(rng, 1e-3f, 0.05f);
    const float s_out =
        static_cast<float>(s_in * std::exp(std::uniform_real_distribution<double>(-1, 1)(rng)));
    int32_t zp_in = 0, zp_out = 0;
    if (type == DataType::kInt8) {
      zp_in = random_int<int32_t>(rng, -128, 127);
      zp_out = random_int<int32_t>(rng, -128, 127);
    }
    const int32_t zp_alpha = random_int<int32_t>(rng, -20, 20);
    const auto x = random_values<T>(rng, shape_elements(in_shape));
    const auto alpha = random_values<int8_t>(rng, shape_elements(alpha_shape));
    const auto alpha_bytes = to_bytes(alpha);
    const bool constant = trial % 3 != 0;
    const auto model =
        binary_model(BuiltinOperator::PRELU, {type, in_shape, per_tensor(s_in, zp_in)},
                     {DataType::kInt8, alpha_shape, per_tensor(s_alpha, zp_alpha)},
                     {type, in_shape, per_tensor(s_out, zp_out)}, no_options(), 1,
                     constant ? &alpha_bytes : nullptr);
    std::vector<std::vector<uint8_t>> inputs = {to_bytes(x)};
    if (!constant) inputs.push_back(alpha_bytes);
    const RunResult result = run_model(model, inputs);
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<T>(result.outputs[0]);
    ASSERT_EQ(got.size(), x.size());
    const double pos = static_cast<double>(s_in) / s_out;
    const double neg = static_cast<double>(s_in) * s_alpha / s_out;
    for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
      const int64_t v = static_cast<int64_t>(x[i]) - zp_in;
      const int64_t al =
          static_cast<int64_t>(alpha[broadcast_source_index(alpha_shape, in_shape, i)]) - zp_alpha;
      const int64_t r = v >= 0 ? reference_requantize(v, pos) : reference_requantize(v * al, neg);
      const int64_t want = std::clamp<int64_t>(r + zp_out, std::numeric_limits<T>::min(),
                                               std::numeric_limits<T>::max());
      ASSERT_EQ(got[i], want) << "element " << i << " x " << int64_t{x[i]} << " alpha " << al;
    }
  }
}

TEST(Prelu, Int8MatchesReference) { check_prelu_quantized<int8_t>(DataType::kInt8, 61); }
TEST(Prelu, Int16WithInt8AlphaMatchesReference) {
  check_prelu_quantized<int16_t>(DataType::kInt16, 62);
}

TEST(Prelu, FloatMatchesReference) {
  std::mt19937 rng(63);
  for (int trial = 0; trial < 30; ++trial) {
    SCOPED_TRACE(trial);
    const Shape in_shape = random_prelu_input(rng);
    const Shape alpha_shape = prelu_alpha_shape(rng, in_shape);
    const auto x = random_floats(rng, shape_elements(in_shape));
    const auto alpha = random_floats(rng, shape_elements(alpha_shape));
    const auto alpha_bytes = to_bytes(alpha);
    const auto model =
        binary_model(BuiltinOperator::PRELU, {DataType::kFloat32, in_shape, {}},
                     {DataType::kFloat32, alpha_shape, {}}, {DataType::kFloat32, in_shape, {}},
                     no_options(), 1, &alpha_bytes);
    const RunResult result = run_model(model, {to_bytes(x)});
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got = from_bytes<float>(result.outputs[0]);
    for (size_t i = 0; i < x.size(); ++i) {
      const double al = alpha[broadcast_source_index(alpha_shape, in_shape, i)];
      const double want = x[i] >= 0 ? x[i] : x[i] * al;
      ASSERT_NEAR(got[i], want, 1e-6 * std::max(1.0, std::fabs(want))) << "element " << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed operators are refused with a message.

void expect_refused(const std::vector<uint8_t>& model, Status status, const std::string& fragment) {
  const LoadResult result = load_model(model);
  EXPECT_EQ(result.status, status) << result.message;
  EXPECT_NE(result.message.find(fragment), std::string::npos) << result.message;
}

TEST(Add, RejectsMixedDtypes) {
  expect_refused(binary_model(BuiltinOperator::ADD, {DataType::kInt8, {2, 3}, per_tensor(0.1f, 0)},
                              {DataType::kInt16, {2, 3}, per_tensor(0.1f, 0)},
                              {DataType::kInt8, {2, 3}, per_tensor(0.1f, 0)},
                              add_options(ActivationFunctionType::NONE)),
                 Status::kUnsupported, "same dtype");
}

TEST(Add, RejectsMissingQuantization) {
  expect_refused(
      binary_model(BuiltinOperator::ADD, {DataType::kInt8, {4}, per_tensor(0.1f, 0)},
                   {DataType::kInt8, {4}, {}}, {DataType::kInt8, {4}, per_tensor(0.1f, 0)},
                   add_options(ActivationFunctionType::NONE)),
      Status::kMalformedModel, "scale");
}

TEST(Add, RejectsOutputScaleTooSmall) {
  expect_refused(binary_model(BuiltinOperator::ADD, {DataType::kInt16, {4}, per_tensor(1.0f, 0)},
                              {DataType::kInt16, {4}, per_tensor(1.0f, 0)},
                              {DataType::kInt16, {4}, per_tensor(1e-6f, 0)},
                              add_options(ActivationFunctionType::NONE)),
                 Status::kUnsupported, "multiplier");
}

TEST(Sub, RejectsWrongOutputShape) {
  expect_refused(binary_model(BuiltinOperator::SUB, {DataType::kFloat32, {2, 3}, {}},
                              {DataType::kFloat32, {3}, {}}, {DataType::kFloat32, {2, 4}, {}},
                              sub_options(ActivationFunctionType::NONE)),
                 Status::kMalformedModel, "broadcast shape");
}

TEST(Mul, RejectsIncompatibleShapes) {
  expect_refused(binary_model(BuiltinOperator::MUL, {DataType::kFloat32, {2, 3}, {}},
                              {DataType::kFloat32, {2}, {}}, {DataType::kFloat32, {2, 3}, {}},
                              mul_options(ActivationFunctionType::NONE)),
                 Status::kMalformedModel, "broadcast-compatible");
}

TEST(Mul, RejectsInt16ZeroPoint) {
  expect_refused(binary_model(BuiltinOperator::MUL, {DataType::kInt16, {4}, per_tensor(0.1f, 3)},
                              {DataType::kInt16, {4}, per_tensor(0.1f, 0)},
                              {DataType::kInt16, {4}, per_tensor(0.1f, 0)},
                              mul_options(ActivationFunctionType::NONE)),
                 Status::kUnsupported, "zero point 0");
}

TEST(MinimumMaximum, RejectsMixedDtypes) {
  for (BuiltinOperator op : {BuiltinOperator::MINIMUM, BuiltinOperator::MAXIMUM}) {
    expect_refused(binary_model(op, {DataType::kFloat32, {4}, {}}, {DataType::kInt32, {4}, {}},
                                {DataType::kFloat32, {4}, {}}, min_max_options()),
                   Status::kUnsupported, "same dtype");
  }
}

TEST(MinimumMaximum, RejectsWrongOutputShape) {
  expect_refused(
      binary_model(BuiltinOperator::MAXIMUM, {DataType::kInt32, {4, 1}, {}},
                   {DataType::kInt32, {3}, {}}, {DataType::kInt32, {4}, {}}, min_max_options()),
      Status::kMalformedModel, "broadcast shape");
}

TEST(Prelu, RejectsMismatchedAlphaDtype) {
  expect_refused(binary_model(BuiltinOperator::PRELU, {DataType::kFloat32, {2, 3}, {}},
                              {DataType::kInt8, {3}, per_tensor(0.1f, 0)},
                              {DataType::kFloat32, {2, 3}, {}}, no_options()),
                 Status::kUnsupported, "alpha");
}

TEST(Prelu, RejectsAlphaThatDoesNotBroadcast) {
  expect_refused(
      binary_model(BuiltinOperator::PRELU, {DataType::kFloat32, {2, 3}, {}},
                   {DataType::kFloat32, {2}, {}}, {DataType::kFloat32, {2, 3}, {}}, no_options()),
      Status::kMalformedModel, "broadcast-compatible");
}

}  // namespace
}  // namespace tinyforge::testing
