// Data movement kernels (RESHAPE, SQUEEZE, EXPAND_DIMS, PAD, PADV2, STRIDED_SLICE, TRANSPOSE,
// CONCATENATION, SPLIT, PACK, UNPACK) against plain multi-index references, on random shapes,
// parameters and quantization, for float32, int8, int16 and int32; plus refusals of malformed
// operators.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/model_builder.h"
#include "tests/support/movement_reference.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

template <typename T>
struct Dtype;
template <>
struct Dtype<float> {
  static constexpr DataType kType = DataType::kFloat32;
};
template <>
struct Dtype<int8_t> {
  static constexpr DataType kType = DataType::kInt8;
};
template <>
struct Dtype<int16_t> {
  static constexpr DataType kType = DataType::kInt16;
};
template <>
struct Dtype<int32_t> {
  static constexpr DataType kType = DataType::kInt32;
};

// n elements of T over its whole range (floats in [-10, 10)).
template <typename T>
std::vector<T> random_elements(std::mt19937& rng, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return random_floats(rng, n, -10.0f, 10.0f);
  } else {
    return random_values<T>(rng, n);
  }
}

// Random per-tensor quantization for int8/int16 (int16: zero point 0), none otherwise.
template <typename T>
Quant random_quant(std::mt19937& rng) {
  if constexpr (std::is_same_v<T, int8_t>)
    return per_tensor(random_scale(rng), random_int<int>(rng, -128, 127));
  if constexpr (std::is_same_v<T, int16_t>) return per_tensor(random_scale(rng), 0);
  return Quant{};
}

Shape random_shape(std::mt19937& rng, int rank, int max_dim = 5) {
  Shape s(rank);
  for (auto& d : s) d = random_int<int32_t>(rng, 1, max_dim);
  return s;
}

template <typename T>
void expect_bytes(const RunResult& result, size_t output, const std::vector<T>& expected) {
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  ASSERT_GT(result.outputs.size(), output);
  ASSERT_EQ(result.outputs[output], to_bytes(expected));
}

// ---------------------------------------------------------------------------------------------
// RESHAPE / SQUEEZE / EXPAND_DIMS

template <typename T>
void check_reshape_family(std::mt19937& rng) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const Shape shape = random_shape(rng, random_int<int>(rng, 1, 4));
    const auto input = random_elements<T>(rng, shape_size(shape));
    // Flatten to [N], then to [1, N] by one of three ways of giving the shape, chained so the
    // second may run in place on the first's memory.
    const int32_t n = static_cast<int32_t>(shape_size(shape));
    ModelBuilder m;
    const int in = m.add_input(type, shape, q);
    const int mid = m.add_tensor(type, {n}, q);
    const int out = m.add_tensor(type, {1, n}, q);
    const int mode = trial % 3;
    if (mode == 0) {
      const int s = m.add_constant(DataType::kInt32, {1}, std::vector<int32_t>{-1});
      m.add_op(BuiltinOperator::RESHAPE, {in, s}, {mid});
    } else {
      m.add_op(BuiltinOperator::RESHAPE, {in}, {mid});
    }
    if (mode == 1) {
      const int s = m.add_constant(DataType::kInt64, {2}, std::vector<int64_t>{1, n});
      m.add_op(BuiltinOperator::RESHAPE, {mid, s}, {out});
    } else {
      std::vector<int32_t> ns{1, -1};
      auto opts = tflite::CreateReshapeOptionsDirect(m.fbb(), &ns).Union();
      m.add_op(BuiltinOperator::RESHAPE, {mid}, {out}, BuiltinOptions::ReshapeOptions, opts);
    }
    expect_bytes(run_model(m.finish(), {to_bytes(input)}, 2), 0, input);
  }
  for (int trial = 0; trial < 8; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    Shape shape = random_shape(rng, random_int<int>(rng, 1, 3));
    const int pos = random_int<int>(rng, 0, static_cast<int>(shape.size()));
    Shape expanded = shape;
    expanded.insert(expanded.begin() + pos, 1);
    const auto input = random_elements<T>(rng, shape_size(shape));
    ModelBuilder m;
    const int in = m.add_input(type, shape, q);
    const int axis_value = trial % 2 ? pos : pos - static_cast<int>(shape.size()) - 1;
    const int axis = m.add_constant(DataType::kInt32, {}, std::vector<int32_t>{axis_value});
    const int mid = m.add_tensor(type, expanded, q);
    const int out = m.add_tensor(type, shape, q);
    m.add_op(BuiltinOperator::EXPAND_DIMS, {in, axis}, {mid});
    std::vector<int32_t> dims{trial % 2 ? pos : pos - static_cast<int>(expanded.size())};
    auto opts = tflite::CreateSqueezeOptionsDirect(m.fbb(), &dims).Union();
    m.add_op(BuiltinOperator::SQUEEZE, {mid}, {out}, BuiltinOptions::SqueezeOptions, opts);
    expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0, input);
  }
  // SQUEEZE without squeeze_dims removes every size-1 dimension.
  const auto input = random_elements<T>(rng, 6);
  const Quant q = random_quant<T>(rng);
  ModelBuilder m;
  const int in = m.add_input(type, {1, 2, 1, 3, 1}, q);
  const int out = m.add_tensor(type, {2, 3}, q);
  m.add_op(BuiltinOperator::SQUEEZE, {in}, {out});
  expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0, input);
}

TEST(ReshapeFamily, AllDtypesKeepBytes) {
  std::mt19937 rng(11);
  check_reshape_family<float>(rng);
  check_reshape_family<int8_t>(rng);
  check_reshape_family<int16_t>(rng);
  check_reshape_family<int32_t>(rng);
}

TEST(ReshapeFamily, RejectsMalformed) {
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.5f, 1));
    const int out = m.add_tensor(DataType::kInt8, {7}, per_tensor(0.5f, 1));
    m.add_op(BuiltinOperator::RESHAPE, {in}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("element counts"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kFloat32, {2, 3});
    const int s = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{3, 2});
    const int out = m.add_tensor(DataType::kFloat32, {2, 3});
    m.add_op(BuiltinOperator::RESHAPE, {in, s}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("shape"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.5f, 1));
    const int out = m.add_tensor(DataType::kInt16, {6}, per_tensor(0.5f, 0));
    m.add_op(BuiltinOperator::RESHAPE, {in}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("dtype"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kFloat32, {1, 2, 3});
    const int out = m.add_tensor(DataType::kFloat32, {1, 6});
    std::vector<int32_t> dims{1};
    auto opts = tflite::CreateSqueezeOptionsDirect(m.fbb(), &dims).Union();
    m.add_op(BuiltinOperator::SQUEEZE, {in}, {out}, BuiltinOptions::SqueezeOptions, opts);
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("size 1"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kFloat32, {2, 3});
    const int axis = m.add_constant(DataType::kInt32, {}, std::vector<int32_t>{1});
    const int out = m.add_tensor(DataType::kFloat32, {2, 3, 1});
    m.add_op(BuiltinOperator::EXPAND_DIMS, {in, axis}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("expanded"), std::string::npos) << r.message;
  }
}

// ---------------------------------------------------------------------------------------------
// PAD / PADV2

template <typename T>
void check_pad(std::mt19937& rng, bool v2) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 15; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const int rank = random_int<int>(rng, 1, 4);
    const Shape shape = random_shape(rng, rank);
    std::vector<std::pair<int, int>> pads(rank);
    std::vector<int32_t> pads32;
    std::vector<int64_t> pads64;
    for (auto& p : pads) {
      p = {random_int<int>(rng, 0, 3), random_int<int>(rng, 0, 3)};
      pads32.insert(pads32.end(), {p.first, p.second});
      pads64.insert(pads64.end(), {p.first, p.second});
    }
    const auto input = random_elements<T>(rng, shape_size(shape));
    T value = T(0);
    if (v2) {
      value = random_elements<T>(rng, 1)[0];
    } else if (type == DataType::kInt8) {
      value = static_cast<T>(q.zero_points[0]);
    }
    Shape out_shape;
    const auto expected = reference_pad(input, shape, pads, value, &out_shape);
    ModelBuilder m;
    const int in = m.add_input(type, shape, q);
    const int p = trial % 2 ? m.add_constant(DataType::kInt32, {rank, 2}, pads32)
                            : m.add_constant(DataType::kInt64, {rank, 2}, pads64);
    const int out = m.add_tensor(type, out_shape, q);
    if (v2) {
      const int c = m.add_constant(type, {1}, std::vector<T>{value}, q);
      m.add_op(BuiltinOperator::PADV2, {in, p, c}, {out});
    } else {
      m.add_op(BuiltinOperator::PAD, {in, p}, {out});
    }
    expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0, expected);
  }
}

TEST(Pad, AllDtypesMatchReference) {
  std::mt19937 rng(21);
  for (bool v2 : {false, true}) {
    SCOPED_TRACE(v2 ? "PADV2" : "PAD");
    check_pad<float>(rng, v2);
    check_pad<int8_t>(rng, v2);
    check_pad<int16_t>(rng, v2);
    check_pad<int32_t>(rng, v2);
  }
}

TEST(Pad, RejectsMalformed) {
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.5f, 1));
    const int p = m.add_constant(DataType::kInt32, {2, 2}, std::vector<int32_t>{1, 1, 0, 0});
    const int out = m.add_tensor(DataType::kInt8, {4, 4}, per_tensor(0.5f, 1));
    m.add_op(BuiltinOperator::PAD, {in, p}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("padded"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kFloat32, {2, 3});
    const int p = m.add_constant(DataType::kInt32, {2, 2}, std::vector<int32_t>{1, 1, 0, 0});
    const int c = m.add_constant(DataType::kInt32, {1}, std::vector<int32_t>{0});
    const int out = m.add_tensor(DataType::kFloat32, {4, 3});
    m.add_op(BuiltinOperator::PADV2, {in, p, c}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("constant_values"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.5f, 1));
    const int p = m.add_constant(DataType::kInt32, {2, 2}, std::vector<int32_t>{1, 1, 0, 0});
    const int out = m.add_tensor(DataType::kInt8, {4, 3}, per_tensor(0.25f, 1));
    m.add_op(BuiltinOperator::PAD, {in, p}, {out});
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("scale"), std::string::npos) << r.message;
  }
}

// ---------------------------------------------------------------------------------------------
// STRIDED_SLICE

template <typename T>
void check_strided_slice(std::mt19937& rng) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const int rank = random_int<int>(rng, 1, 4);
    const Shape shape = random_shape(rng, rank, 7);
    std::vector<int32_t> begin(rank), end(rank), strides(rank);
    int begin_mask = 0, end_mask = 0, shrink_mask = 0;
    const bool offset = trial % 5 == 4;
    std::vector<std::vector<int64_t>> positions;
    Shape out_shape;
    for (int a = 0; a < rank; ++a) {
      const int size = shape[a];
      // The runtime refuses empty tensors: draw until the axis keeps at least one element.
      bool shrink = false;
      std::vector<int64_t> kept;
      do {
        begin_mask &= ~(1 << a);
        end_mask &= ~(1 << a);
        shrink_mask &= ~(1 << a);
        shrink = random_int<int>(rng, 0, 4) == 0;
        if (shrink) {
          begin[a] = random_int<int32_t>(rng, -size, size - 1);
          end[a] = random_int<int32_t>(rng, -9, 9);  // ignored
          strides[a] = random_int<int32_t>(rng, 1, 3);
          shrink_mask |= 1 << a;
        } else {
          begin[a] = random_int<int32_t>(rng, -size - 2, size + 2);
          end[a] = offset ? random_int<int32_t>(rng, -3, size + 1)
                          : random_int<int32_t>(rng, -size - 2, size + 2);
          strides[a] = random_int<int32_t>(rng, 1, 3) * (random_int<int>(rng, 0, 2) == 0 ? -1 : 1);
          if (random_int<int>(rng, 0, 3) == 0) begin_mask |= 1 << a;
          if (random_int<int>(rng, 0, 3) == 0) end_mask |= 1 << a;
        }
        kept = slice_positions(size, begin[a], end[a], strides[a], (begin_mask >> a) & 1,
                               (end_mask >> a) & 1, shrink, offset);
      } while (kept.empty());
      positions.push_back(kept);
      if (!shrink) out_shape.push_back(static_cast<int32_t>(positions.back().size()));
    }
    const auto input = random_elements<T>(rng, shape_size(shape));
    const auto expected = reference_gather_positions(input, shape, positions);
    ModelBuilder m;
    const int in = m.add_input(type, shape, q);
    const int b = m.add_constant(DataType::kInt32, {rank}, begin);
    const int e = m.add_constant(DataType::kInt32, {rank}, end);
    const int s = m.add_constant(DataType::kInt32, {rank}, strides);
    const int out = m.add_tensor(type, out_shape, q);
    auto opts =
        tflite::CreateStridedSliceOptions(m.fbb(), begin_mask, end_mask, 0, 0, shrink_mask, offset)
            .Union();
    m.add_op(BuiltinOperator::STRIDED_SLICE, {in, b, e, s}, {out},
             BuiltinOptions::StridedSliceOptions, opts);
    expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0, expected);
  }
}

TEST(StridedSlice, AllDtypesMatchReference) {
  std::mt19937 rng(31);
  check_strided_slice<float>(rng);
  check_strided_slice<int8_t>(rng);
  check_strided_slice<int16_t>(rng);
  check_strided_slice<int32_t>(rng);
}

TEST(StridedSlice, HandWorkedExample) {
  // input 4x5, rows 1..3 backwards by 2 from -1, columns 1:4.
  std::vector<int32_t> input(20);
  for (int i = 0; i < 20; ++i) input[i] = i;
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt32, {4, 5});
  const int b = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{-1, 1});
  const int e = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{0, 4});
  const int s = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{-2, 1});
  const int out = m.add_tensor(DataType::kInt32, {2, 3});
  m.add_op(BuiltinOperator::STRIDED_SLICE, {in, b, e, s}, {out});
  expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0,
               std::vector<int32_t>{16, 17, 18, 6, 7, 8});
}

TEST(StridedSlice, RejectsMalformed) {
  auto build = [](DataType out_type, Shape out_shape, int ellipsis) {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt16, {4, 5}, per_tensor(0.01f, 0));
    const int b = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{0, 0});
    const int e = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{2, 5});
    const int s = m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>{1, 1});
    const int out = m.add_tensor(out_type, out_shape, per_tensor(0.01f, 0));
    auto opts = tflite::CreateStridedSliceOptions(m.fbb(), 0, 0, ellipsis).Union();
    m.add_op(BuiltinOperator::STRIDED_SLICE, {in, b, e, s}, {out},
             BuiltinOptions::StridedSliceOptions, opts);
    return load_model(m.finish());
  };
  EXPECT_EQ(build(DataType::kInt16, {2, 5}, 0).status, Status::kOk);
  LoadResult r = build(DataType::kInt8, {2, 5}, 0);
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("dtype"), std::string::npos) << r.message;
  r = build(DataType::kInt16, {3, 5}, 0);
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("output shape"), std::string::npos) << r.message;
  r = build(DataType::kInt16, {2, 5}, 1);
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("ellipsis"), std::string::npos) << r.message;
}

// ---------------------------------------------------------------------------------------------
// TRANSPOSE

template <typename T>
void check_transpose(std::mt19937& rng) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const int rank = random_int<int>(rng, 1, 6);
    const Shape shape = random_shape(rng, rank, rank > 4 ? 3 : 5);
    std::vector<int> perm(rank);
    for (int i = 0; i < rank; ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    const auto input = random_elements<T>(rng, shape_size(shape));
    Shape out_shape;
    const auto expected = reference_transpose(input, shape, perm, &out_shape);
    ModelBuilder m;
    const int in = m.add_input(type, shape, q);
    const int p =
        m.add_constant(DataType::kInt32, {rank}, std::vector<int32_t>(perm.begin(), perm.end()));
    const int out = m.add_tensor(type, out_shape, q);
    m.add_op(BuiltinOperator::TRANSPOSE, {in, p}, {out});
    expect_bytes(run_model(m.finish(), {to_bytes(input)}), 0, expected);
  }
}

TEST(Transpose, AllDtypesMatchReference) {
  std::mt19937 rng(41);
  check_transpose<float>(rng);
  check_transpose<int8_t>(rng);
  check_transpose<int16_t>(rng);
  check_transpose<int32_t>(rng);
}

TEST(Transpose, RejectsMalformed) {
  auto build = [](std::vector<int32_t> perm, Shape out_shape) {
    ModelBuilder m;
    const int in = m.add_input(DataType::kFloat32, {2, 3, 4});
    const int p = m.add_constant(DataType::kInt32, {3}, perm);
    const int out = m.add_tensor(DataType::kFloat32, out_shape);
    m.add_op(BuiltinOperator::TRANSPOSE, {in, p}, {out});
    return load_model(m.finish());
  };
  EXPECT_EQ(build({2, 0, 1}, {4, 2, 3}).status, Status::kOk);
  LoadResult r = build({2, 0, 0}, {4, 2, 2});
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("permutation"), std::string::npos) << r.message;
  r = build({2, 0, 1}, {4, 3, 2});
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("permuted"), std::string::npos) << r.message;
}

// ---------------------------------------------------------------------------------------------
// CONCATENATION

template <typename T>
void check_concat(std::mt19937& rng) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const int rank = random_int<int>(rng, 1, 4);
    const Shape base = random_shape(rng, rank);
    const int axis = random_int<int>(rng, 0, rank - 1);
    const int count = random_int<int>(rng, 1, 4);
    std::vector<Shape> shapes;
    std::vector<std::vector<T>> inputs;
    std::vector<std::vector<uint8_t>> bytes;
    for (int i = 0; i < count; ++i) {
      Shape s = base;
      s[axis] = random_int<int32_t>(rng, 1, 4);
      shapes.push_back(s);
      inputs.push_back(random_elements<T>(rng, shape_size(s)));
      bytes.push_back(to_bytes(inputs.back()));
    }
    Shape out_shape;
    const auto expected = reference_concat(inputs, shapes, axis, &out_shape);
    ModelBuilder m;
    std::vector<int> ins;
    for (const Shape& s : shapes) ins.push_back(m.add_input(type, s, q));
    const int out = m.add_tensor(type, out_shape, q);
    const int axis_option = trial % 2 ? axis : axis - rank;
    auto opts = tflite::CreateConcatenationOptions(m.fbb(), axis_option).Union();
    m.add_op(BuiltinOperator::CONCATENATION, ins, {out}, BuiltinOptions::ConcatenationOptions,
             opts);
    expect_bytes(run_model(m.finish(), bytes), 0, expected);
  }
}

TEST(Concatenation, AllDtypesMatchReference) {
  std::mt19937 rng(51);
  check_concat<float>(rng);
  check_concat<int8_t>(rng);
  check_concat<int16_t>(rng);
  check_concat<int32_t>(rng);
}

TEST(Concatenation, RejectsMalformed) {
  auto build = [](Quant q1, Shape s1, Shape out_shape) {
    ModelBuilder m;
    const int a = m.add_input(DataType::kInt8, {2, 3}, per_tensor(0.5f, 3));
    const int b = m.add_input(DataType::kInt8, s1, q1);
    const int out = m.add_tensor(DataType::kInt8, out_shape, per_tensor(0.5f, 3));
    auto opts = tflite::CreateConcatenationOptions(m.fbb(), -1).Union();
    m.add_op(BuiltinOperator::CONCATENATION, {a, b}, {out}, BuiltinOptions::ConcatenationOptions,
             opts);
    return load_model(m.finish());
  };
  EXPECT_EQ(build(per_tensor(0.5f, 3), {2, 2}, {2, 5}).status, Status::kOk);
  LoadResult r = build(per_tensor(0.5f, 4), {2, 2}, {2, 5});
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("zero point"), std::string::npos) << r.message;
  r = build(per_tensor(0.5f, 3), {3, 2}, {2, 5});
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("outside the axis"), std::string::npos) << r.message;
  r = build(per_tensor(0.5f, 3), {2, 2}, {2, 6});
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("add up"), std::string::npos) << r.message;
}

// ---------------------------------------------------------------------------------------------
// SPLIT, PACK, UNPACK

template <typename T>
void check_split_pack_unpack(std::mt19937& rng) {
  const DataType type = Dtype<T>::kType;
  for (int trial = 0; trial < 10; ++trial) {
    SCOPED_TRACE(trial);
    const Quant q = random_quant<T>(rng);
    const int rank = random_int<int>(rng, 1, 4);
    Shape shape = random_shape(rng, rank, 4);
    const int axis = random_int<int>(rng, 0, rank - 1);
    const int n = random_int<int>(rng, 1, 4);
    shape[axis] *= n;
    const auto input = random_elements<T>(rng, shape_size(shape));

    // SPLIT
    {
      ModelBuilder m;
      const int a = m.add_constant(DataType::kInt32, {},
                                   std::vector<int32_t>{trial % 2 ? axis : axis - rank});
      const int in = m.add_input(type, shape, q);
      Shape part = shape;
      part[axis] /= n;
      std::vector<int> outs;
      for (int k = 0; k < n; ++k) outs.push_back(m.add_tensor(type, part, q));
      auto opts = tflite::CreateSplitOptions(m.fbb(), n).Union();
      m.add_op(BuiltinOperator::SPLIT, {a, in}, outs, BuiltinOptions::SplitOptions, opts);
      const RunResult result = run_model(m.finish(), {to_bytes(input)});
      for (int k = 0; k < n; ++k) {
        SCOPED_TRACE(k);
        expect_bytes(result, k, reference_part(input, shape, axis, n, k, false));
      }
    }
    // UNPACK along an axis of size n, then PACK the parts back.
    {
      Shape s = shape;
      s[axis] = n;
      const auto values = random_elements<T>(rng, shape_size(s));
      Shape part = s;
      part.erase(part.begin() + axis);
      ModelBuilder m;
      const int in = m.add_input(type, s, q);
      std::vector<int> parts;
      for (int k = 0; k < n; ++k) parts.push_back(m.add_tensor(type, part, q));
      const int axis_option = trial % 2 ? axis : axis - rank;
      auto uo = tflite::CreateUnpackOptions(m.fbb(), n, axis_option).Union();
      m.add_op(BuiltinOperator::UNPACK, {in}, parts, BuiltinOptions::UnpackOptions, uo);
      for (int k = 0; k < n; ++k) m.add_output(parts[k]);
      const RunResult result = run_model(m.finish(), {to_bytes(values)});
      std::vector<std::vector<T>> unpacked;
      for (int k = 0; k < n; ++k) {
        SCOPED_TRACE(k);
        unpacked.push_back(reference_part(values, s, axis, n, k, true));
        expect_bytes(result, k, unpacked.back());
      }
      // PACK the reference parts (as separate inputs) along the same axis.
      ModelBuilder p;
      std::vector<int> ins;
      std::vector<std::vector<uint8_t>> bytes;
      for (int k = 0; k < n; ++k) {
        ins.push_back(p.add_input(type, part, q));
        bytes.push_back(to_bytes(unpacked[k]));
      }
      Shape packed_shape;
      const auto packed = reference_pack(unpacked, part, axis, &packed_shape);
      ASSERT_EQ(packed, values);  // the references agree with each other
      const int out = p.add_tensor(type, packed_shape, q);
      auto po = tflite::CreatePackOptions(p.fbb(), n, axis_option).Union();
      p.add_op(BuiltinOperator::PACK, ins, {out}, BuiltinOptions::PackOptions, po);
      expect_bytes(run_model(p.finish(), bytes), 0, packed);
    }
  }
}

TEST(SplitPackUnpack, AllDtypesMatchReference) {
  std::mt19937 rng(61);
  check_split_pack_unpack<float>(rng);
  check_split_pack_unpack<int8_t>(rng);
  check_split_pack_unpack<int16_t>(rng);
  check_split_pack_unpack<int32_t>(rng);
}

TEST(SplitPackUnpack, RejectsMalformed) {
  {
    ModelBuilder m;
    const int a = m.add_constant(DataType::kInt32, {}, std::vector<int32_t>{1});
    const int in = m.add_input(DataType::kFloat32, {2, 5});
    const int o1 = m.add_tensor(DataType::kFloat32, {2, 2});
    const int o2 = m.add_tensor(DataType::kFloat32, {2, 3});
    auto opts = tflite::CreateSplitOptions(m.fbb(), 2).Union();
    m.add_op(BuiltinOperator::SPLIT, {a, in}, {o1, o2}, BuiltinOptions::SplitOptions, opts);
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("multiple"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int a = m.add_input(DataType::kInt16, {2, 3}, per_tensor(0.1f, 0));
    const int b = m.add_input(DataType::kInt16, {3, 2}, per_tensor(0.1f, 0));
    const int out = m.add_tensor(DataType::kInt16, {2, 2, 3}, per_tensor(0.1f, 0));
    auto opts = tflite::CreatePackOptions(m.fbb(), 2, 0).Union();
    m.add_op(BuiltinOperator::PACK, {a, b}, {out}, BuiltinOptions::PackOptions, opts);
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("shapes differ"), std::string::npos) << r.message;
  }
  {
    ModelBuilder m;
    const int in = m.add_input(DataType::kInt32, {3, 2});
    const int o1 = m.add_tensor(DataType::kInt32, {2});
    const int o2 = m.add_tensor(DataType::kInt32, {2});
    auto opts = tflite::CreateUnpackOptions(m.fbb(), 2, 0).Union();
    m.add_op(BuiltinOperator::UNPACK, {in}, {o1, o2}, BuiltinOptions::UnpackOptions, opts);
    const LoadResult r = load_model(m.finish());
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("stacking"), std::string::npos) << r.message;
  }
}

}  // namespace
}  // namespace tinyforge::testing
