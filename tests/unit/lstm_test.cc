// UNIDIRECTIONAL_SEQUENCE_LSTM against independent references: TFLite Micro's integer recipe
// (int8 and int16 activations) in int64 arithmetic, byte for byte, and a double-precision float
// LSTM, on random sizes, layouts and quantization; plus refusals of unsupported variants.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/lstm_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

// Converts between the batch-major [batch, time, n] layout the references use and the tensor
// layout (time-major [time, batch, n] when requested).
template <typename T>
std::vector<T> to_layout(const std::vector<T>& v, int batches, int steps, int n, bool time_major) {
  if (!time_major) return v;
  std::vector<T> r(v.size());
  for (int b = 0; b < batches; ++b)
    for (int t = 0; t < steps; ++t)
      for (int i = 0; i < n; ++i) r[(t * batches + b) * n + i] = v[(b * steps + t) * n + i];
  return r;
}
template <typename T>
std::vector<T> from_layout(const std::vector<T>& v, int batches, int steps, int n,
                           bool time_major) {
  if (!time_major) return v;
  std::vector<T> r(v.size());
  for (int b = 0; b < batches; ++b)
    for (int t = 0; t < steps; ++t)
      for (int i = 0; i < n; ++i) r[(b * steps + t) * n + i] = v[(t * batches + b) * n + i];
  return r;
}

struct Operands {
  std::vector<int> inputs = std::vector<int>(24, -1);
};

// Adds the LSTM op; `inputs` has the 24 operand tensor indices.
void add_lstm(ModelBuilder& m, const std::vector<int>& inputs, int output, bool time_major,
              float cell_clip, ActivationFunctionType activation = ActivationFunctionType::TANH) {
  auto options = tflite::CreateUnidirectionalSequenceLSTMOptions(m.fbb(), activation, cell_clip,
                                                                 0.0f, time_major)
                     .Union();
  m.add_op(BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM, inputs, {output},
           BuiltinOptions::UnidirectionalSequenceLSTMOptions, options);
}

void check_integer(bool int16_acts, std::mt19937& rng, int trial) {
  IntLstmSpec s;
  s.batches = random_int<int>(rng, 1, 3);
  s.time_steps = random_int<int>(rng, 1, 5);
  s.input_size = random_int<int>(rng, 1, 24);
  s.state_size = random_int<int>(rng, 1, 20);
  s.int16_activations = int16_acts;
  const bool time_major = trial % 2 == 1;
  if (int16_acts) {
    s.input_scale = random_scale(rng, 5e-5f, 5e-4f);
    s.hidden_scale = random_scale(rng, 2e-5f, 1e-4f);
    s.input_zp = s.hidden_zp = 0;
  } else {
    s.input_scale = random_scale(rng, 2e-3f, 0.05f);
    s.hidden_scale = random_scale(rng, 3e-3f, 0.02f);
    s.input_zp = random_int<int32_t>(rng, -128, 127);
    s.hidden_zp = random_int<int32_t>(rng, -20, 20);
  }
  s.cell_power = random_int<int>(rng, -15, -9);
  s.cell_clip = trial % 3 == 0 ? 0.0 : std::uniform_real_distribution<double>(0.5, 8.0)(rng);
  const int S = s.state_size, I = s.input_size;
  const int64_t bias_range = int16_acts ? 2000000 : 20000;
  for (int g = 0; g < 4; ++g) {
    s.input_weight_scale[g] = static_cast<float>(random_scale(rng, 2e-3f, 0.03f));
    s.recurrent_weight_scale[g] = static_cast<float>(random_scale(rng, 2e-3f, 0.03f));
    s.input_weights[g].resize(S * I);
    s.recurrent_weights[g].resize(S * S);
    s.bias[g].resize(S);
    for (auto& w : s.input_weights[g]) w = random_int<int8_t>(rng, -127, 127);
    for (auto& w : s.recurrent_weights[g]) w = random_int<int8_t>(rng, -127, 127);
    for (auto& b : s.bias[g]) b = random_int<int64_t>(rng, -bias_range, bias_range);
  }
  SCOPED_TRACE(::testing::Message() << "B=" << s.batches << " T=" << s.time_steps << " I=" << I
                                    << " S=" << S << " time_major=" << time_major
                                    << " cell_power=" << s.cell_power << " clip=" << s.cell_clip);
  const float input_scale = static_cast<float>(s.input_scale);
  const float hidden_scale = static_cast<float>(s.hidden_scale);
  s.input_scale = input_scale;
  s.hidden_scale = hidden_scale;

  const DataType act = int16_acts ? DataType::kInt16 : DataType::kInt8;
  const DataType bias_type = int16_acts ? DataType::kInt64 : DataType::kInt32;
  const std::vector<int32_t> in_shape = time_major
                                            ? std::vector<int32_t>{s.time_steps, s.batches, I}
                                            : std::vector<int32_t>{s.batches, s.time_steps, I};
  const std::vector<int32_t> out_shape = time_major
                                             ? std::vector<int32_t>{s.time_steps, s.batches, S}
                                             : std::vector<int32_t>{s.batches, s.time_steps, S};
  ModelBuilder m;
  std::vector<int> ops(24, -1);
  ops[0] = m.add_input(act, in_shape, per_tensor(input_scale, s.input_zp));
  for (int g = 0; g < 4; ++g) {
    ops[1 + g] = m.add_constant(DataType::kInt8, {S, I}, s.input_weights[g],
                                per_tensor(static_cast<float>(s.input_weight_scale[g]), 0));
    ops[5 + g] = m.add_constant(DataType::kInt8, {S, S}, s.recurrent_weights[g],
                                per_tensor(static_cast<float>(s.recurrent_weight_scale[g]), 0));
    const Quant bq = per_tensor(static_cast<float>(s.input_scale * s.input_weight_scale[g]), 0);
    if (int16_acts) {
      ops[12 + g] = m.add_constant(bias_type, {S}, s.bias[g], bq);
    } else {
      std::vector<int32_t> b32(s.bias[g].begin(), s.bias[g].end());
      ops[12 + g] = m.add_constant(bias_type, {S}, b32, bq);
    }
  }
  ops[18] = m.add_variable(act, {s.batches, S}, per_tensor(hidden_scale, s.hidden_zp));
  ops[19] = m.add_variable(DataType::kInt16, {s.batches, S},
                           per_tensor(static_cast<float>(std::ldexp(1.0, s.cell_power)), 0));
  const int out = m.add_tensor(act, out_shape, per_tensor(hidden_scale, s.hidden_zp));
  add_lstm(m, ops, out, time_major, static_cast<float>(s.cell_clip));
  // The cell state is int16 and shows every rounding: an identity FULLY_CONNECTED after the LSTM
  // copies it to a second graph output (weight 1, scales chosen for a multiplier of exactly 1).
  // Every fifth trial instead invokes twice to check that the state persists; then the extra op
  // is left out, since run_model sets the input once and the FC output may reuse its memory.
  const bool twice = trial % 5 == 4;
  if (!twice) {
    const float cell_scale = static_cast<float>(std::ldexp(1.0, s.cell_power));
    std::vector<int8_t> identity(S * S, 0);
    for (int i = 0; i < S; ++i) identity[i * S + i] = 1;
    const int eye = m.add_constant(DataType::kInt8, {S, S}, identity, per_tensor(1.0f, 0));
    const int cell_copy = m.add_tensor(DataType::kInt16, {s.batches, S}, per_tensor(cell_scale, 0));
    m.add_op(BuiltinOperator::FULLY_CONNECTED, {ops[19], eye, -1}, {cell_copy});
    m.add_output(out);
    m.add_output(cell_copy);
  }

  // The state starts as zero bytes (the runtime clears variable tensors); with two invocations
  // the same input is fed again and the state carries over.
  const int n_in = s.batches * s.time_steps * I;
  std::vector<std::vector<int64_t>> xs(1, std::vector<int64_t>(n_in));
  for (auto& v : xs[0])
    v = int16_acts ? random_int<int64_t>(rng, -32768, 32767) : random_int<int64_t>(rng, -128, 127);
  // TFLite Micro resets int8 variable tensors to their zero point (the real value 0).
  std::vector<int64_t> hidden(s.batches * S, s.hidden_zp), cell(s.batches * S, 0);
  std::vector<int64_t> expected;
  for (int k = 0; k < (twice ? 2 : 1); ++k) expected = reference_int_lstm(s, xs[0], hidden, cell);

  const auto feed = to_layout(xs[0], s.batches, s.time_steps, I, time_major);
  std::vector<uint8_t> bytes;
  if (int16_acts) {
    bytes = to_bytes(std::vector<int16_t>(feed.begin(), feed.end()));
  } else {
    bytes = to_bytes(std::vector<int8_t>(feed.begin(), feed.end()));
  }
  const RunResult result = run_model(m.finish(), {bytes}, twice ? 2 : 1);
  ASSERT_EQ(result.status, Status::kOk) << result.message;
  std::vector<int64_t> got;
  if (int16_acts) {
    const auto g16 = from_bytes<int16_t>(result.outputs[0]);
    got.assign(g16.begin(), g16.end());
  } else {
    const auto g8 = from_bytes<int8_t>(result.outputs[0]);
    got.assign(g8.begin(), g8.end());
  }
  got = from_layout(got, s.batches, s.time_steps, S, time_major);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "element " << i;
  if (twice) return;
  const auto got_cell = from_bytes<int16_t>(result.outputs[1]);
  ASSERT_EQ(got_cell.size(), cell.size());
  for (size_t i = 0; i < cell.size(); ++i) ASSERT_EQ(got_cell[i], cell[i]) << "cell " << i;
}

TEST(LstmReference, SigmoidTableApproximatesSigmoid) {
  const auto& t = reference_sigmoid_table();
  ASSERT_EQ(t.size(), 256u);
  for (int k = 0; k < 256; ++k) {
    const double want = 65536.0 / (1.0 + std::exp(-k / 24.0));
    EXPECT_NEAR(static_cast<double>(t[k]), std::min(want, 65535.0), 1.5) << k;
  }
  // The interpolated int16 functions follow the real ones.
  for (int x = -32768; x <= 32767; x += 37) {
    EXPECT_NEAR(reference_sigmoid16(x) / 32768.0, 1.0 / (1.0 + std::exp(-x / 4096.0)), 2e-4);
    EXPECT_NEAR(reference_tanh16(x, -12) / 32768.0, std::tanh(x / 4096.0), 4e-4);
  }
}

TEST(UnidirectionalSequenceLstm, Int8MatchesTfliteMicroRecipe) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE(trial);
    check_integer(false, rng, trial);
  }
}

TEST(UnidirectionalSequenceLstm, Int16MatchesTfliteMicroRecipe) {
  std::mt19937 rng(12);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    check_integer(true, rng, trial);
  }
}

TEST(UnidirectionalSequenceLstm, FloatMatchesDoubleReference) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    FloatLstmSpec s;
    s.batches = random_int<int>(rng, 1, 3);
    s.time_steps = random_int<int>(rng, 1, 6);
    s.input_size = random_int<int>(rng, 1, 9);
    s.state_size = random_int<int>(rng, 1, 8);
    s.cell_clip = trial % 2 == 0 ? 0.0 : 0.5;
    const bool time_major = trial % 4 >= 2;
    const int S = s.state_size, I = s.input_size;
    ModelBuilder m;
    std::vector<int> ops(24, -1);
    ops[0] = m.add_input(DataType::kFloat32,
                         time_major ? std::vector<int32_t>{s.time_steps, s.batches, I}
                                    : std::vector<int32_t>{s.batches, s.time_steps, I});
    for (int g = 0; g < 4; ++g) {
      s.input_weights[g].resize(S * I);
      s.recurrent_weights[g].resize(S * S);
      s.bias[g].resize(S);
      for (auto& v : s.input_weights[g]) v = u(rng);
      for (auto& v : s.recurrent_weights[g]) v = u(rng);
      for (auto& v : s.bias[g]) v = u(rng);
      ops[1 + g] = m.add_constant(DataType::kFloat32, {S, I}, s.input_weights[g]);
      ops[5 + g] = m.add_constant(DataType::kFloat32, {S, S}, s.recurrent_weights[g]);
      ops[12 + g] = m.add_constant(DataType::kFloat32, {S}, s.bias[g]);
    }
    ops[18] = m.add_variable(DataType::kFloat32, {s.batches, S});
    ops[19] = m.add_variable(DataType::kFloat32, {s.batches, S});
    const int out = m.add_tensor(DataType::kFloat32,
                                 time_major ? std::vector<int32_t>{s.time_steps, s.batches, S}
                                            : std::vector<int32_t>{s.batches, s.time_steps, S});
    add_lstm(m, ops, out, time_major, static_cast<float>(s.cell_clip));
    std::vector<float> x(s.batches * s.time_steps * I);
    for (auto& v : x) v = 2 * u(rng);
    std::vector<double> hidden(s.batches * S, 0.0), cell(s.batches * S, 0.0);
    std::vector<double> expected;
    for (int k = 0; k < 2; ++k) expected = reference_float_lstm(s, x, hidden, cell);
    const RunResult result =
        run_model(m.finish(), {to_bytes(to_layout(x, s.batches, s.time_steps, I, time_major))}, 2);
    ASSERT_EQ(result.status, Status::kOk) << result.message;
    const auto got =
        from_layout(from_bytes<float>(result.outputs[0]), s.batches, s.time_steps, S, time_major);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 2e-5) << i;
  }
}

// A small valid float LSTM whose operands a test can then break.
struct FloatModel {
  ModelBuilder m;
  std::vector<int> ops = std::vector<int>(24, -1);
  int out = -1;
  FloatModel(int S = 3, int I = 2) {
    ops[0] = m.add_input(DataType::kFloat32, {1, 4, I});
    for (int g = 0; g < 4; ++g) {
      ops[1 + g] = m.add_constant(DataType::kFloat32, {S, I}, std::vector<float>(S * I, 0.1f));
      ops[5 + g] = m.add_constant(DataType::kFloat32, {S, S}, std::vector<float>(S * S, 0.1f));
      ops[12 + g] = m.add_constant(DataType::kFloat32, {S}, std::vector<float>(S, 0.f));
    }
    ops[18] = m.add_variable(DataType::kFloat32, {1, S});
    ops[19] = m.add_variable(DataType::kFloat32, {1, S});
    out = m.add_tensor(DataType::kFloat32, {1, 4, S});
  }
  LoadResult load(ActivationFunctionType activation = ActivationFunctionType::TANH) {
    add_lstm(m, ops, out, false, 0.0f, activation);
    return load_model(m.finish());
  }
};

TEST(UnidirectionalSequenceLstm, AcceptsTheValidBaseModel) {
  FloatModel f;
  const LoadResult r = f.load();
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST(UnidirectionalSequenceLstm, RejectsPeephole) {
  FloatModel f;
  f.ops[10] = f.m.add_constant(DataType::kFloat32, {3}, std::vector<float>(3, 0.f));
  const LoadResult r = f.load();
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("peephole"), std::string::npos) << r.message;
}

TEST(UnidirectionalSequenceLstm, RejectsProjectionLayerNormAndCifg) {
  {
    FloatModel f;
    f.ops[16] = f.m.add_constant(DataType::kFloat32, {3, 3}, std::vector<float>(9, 0.f));
    const LoadResult r = f.load();
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("projection"), std::string::npos) << r.message;
  }
  {
    FloatModel f;
    f.ops[21] = f.m.add_constant(DataType::kFloat32, {3}, std::vector<float>(3, 1.f));
    const LoadResult r = f.load();
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("layer normalization"), std::string::npos) << r.message;
  }
  {
    FloatModel f;
    f.ops[1] = f.ops[5] = f.ops[12] = -1;
    const LoadResult r = f.load();
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("CIFG"), std::string::npos) << r.message;
  }
}

TEST(UnidirectionalSequenceLstm, RejectsMismatchedWeightShape) {
  FloatModel f;
  f.ops[6] = f.m.add_constant(DataType::kFloat32, {3, 2}, std::vector<float>(6, 0.f));
  const LoadResult r = f.load();
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("recurrent weights"), std::string::npos) << r.message;
}

TEST(UnidirectionalSequenceLstm, RejectsWrongDtypesAndActivation) {
  {
    FloatModel f;
    f.ops[13] = f.m.add_constant(DataType::kInt32, {3}, std::vector<int32_t>(3, 0));
    const LoadResult r = f.load();
    EXPECT_EQ(r.status, Status::kMalformedModel);
    EXPECT_NE(r.message.find("biases"), std::string::npos) << r.message;
  }
  {
    FloatModel f;
    const LoadResult r = f.load(ActivationFunctionType::RELU);
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("TANH"), std::string::npos) << r.message;
  }
  {
    FloatModel f;
    f.ops[19] = f.m.add_tensor(DataType::kFloat32, {1, 3});  // not a variable
    const LoadResult r = f.load();
    EXPECT_NE(r.status, Status::kOk);
  }
}

TEST(UnidirectionalSequenceLstm, RejectsNonPowerOfTwoCellScale) {
  ModelBuilder m;
  std::vector<int> ops(24, -1);
  ops[0] = m.add_input(DataType::kInt8, {1, 2, 2}, per_tensor(0.02f, 0));
  for (int g = 0; g < 4; ++g) {
    ops[1 + g] =
        m.add_constant(DataType::kInt8, {2, 2}, std::vector<int8_t>(4, 1), per_tensor(0.01f, 0));
    ops[5 + g] =
        m.add_constant(DataType::kInt8, {2, 2}, std::vector<int8_t>(4, 1), per_tensor(0.01f, 0));
    ops[12 + g] =
        m.add_constant(DataType::kInt32, {2}, std::vector<int32_t>(2, 0), per_tensor(2e-4f, 0));
  }
  ops[18] = m.add_variable(DataType::kInt8, {1, 2}, per_tensor(0.01f, 0));
  ops[19] = m.add_variable(DataType::kInt16, {1, 2}, per_tensor(3e-4f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, 2, 2}, per_tensor(0.01f, 0));
  add_lstm(m, ops, out, false, 0.0f);
  const LoadResult r = load_model(m.finish());
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("power of two"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace tinyforge::testing
