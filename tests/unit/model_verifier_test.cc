// Hostile and broken models: truncated, bit-flipped and hand-crafted files must be refused with a
// status and a message naming the problem — never a crash, a hang or undefined behaviour.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/model_report.h"

namespace tinyforge::testing {
namespace {

using tflite::BuiltinOperator;

// A valid two-layer float model the hostile cases start from.
struct Mlp {
  ModelBuilder b;
  int in, w1, h, w2, out;
  Mlp() {
    in = b.add_input(DataType::kFloat32, {1, 4});
    w1 = b.add_constant(DataType::kFloat32, {3, 4}, std::vector<float>(12, 0.25f));
    h = b.add_tensor(DataType::kFloat32, {1, 3});
    w2 = b.add_constant(DataType::kFloat32, {2, 3}, std::vector<float>(6, -0.5f));
    out = b.add_tensor(DataType::kFloat32, {1, 2});
  }
};

void expect_refused(const std::vector<uint8_t>& model, Status status, const std::string& needle) {
  const LoadResult r = load_model(model);
  EXPECT_EQ(r.status, status) << r.message;
  EXPECT_NE(r.message.find(needle), std::string::npos) << "message: " << r.message;
}

TEST(ModelVerifier, AcceptsAValidModelAndRunsIt) {
  Mlp m;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.h, m.w2, -1}, {m.out});
  const RunResult r = run_model(m.b.finish(), {to_bytes(std::vector<float>{1, 2, 3, 4})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const auto out = from_bytes<float>(r.outputs[0]);
  EXPECT_FLOAT_EQ(out[0], -0.5f * 3 * 2.5f);
}

TEST(ModelVerifier, RefusesEmptyAndForeignBytes) {
  expect_refused({}, Status::kInvalidArgument, "no data");
  std::vector<uint8_t> zeros(64, 0);
  expect_refused(zeros, Status::kMalformedModel, "TFL3");
}

TEST(ModelVerifier, RefusesOutOfRangeRootOffset) {
  Mlp m;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  auto bytes = m.b.finish();
  bytes[0] = 0xF0;
  bytes[1] = 0xFF;
  bytes[2] = 0xFF;
  bytes[3] = 0x7F;
  expect_refused(bytes, Status::kMalformedModel, "structure");
}

TEST(ModelVerifier, RefusesTensorIndexOutOfRange) {
  Mlp m;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, 42, -1}, {m.h});
  expect_refused(m.b.finish(), Status::kMalformedModel, "refers to tensor 42");
}

TEST(ModelVerifier, RefusesHugeShapes) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {65536, 65536, 65536});
  const int w = b.add_constant(DataType::kFloat32, {1, 1}, std::vector<float>{1});
  const int out = b.add_tensor(DataType::kFloat32, {1, 1});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
  expect_refused(b.finish(), Status::kUnsupported, "too large");
}

TEST(ModelVerifier, RefusesNonPositiveDimensions) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, -4});
  const int w = b.add_constant(DataType::kFloat32, {1, 1}, std::vector<float>{1});
  const int out = b.add_tensor(DataType::kFloat32, {1, 1});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
  expect_refused(b.finish(), Status::kMalformedModel, "dimension 1 is -4, expected >= 1");
}

TEST(ModelVerifier, RefusesCyclicGraphs) {
  Mlp m;
  // op0 reads `out`, which only op1 (after it) computes from op0's result.
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.out, m.w2, -1}, {m.h});
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.h, m.w1, -1}, {m.out});
  expect_refused(m.b.finish(), Status::kMalformedModel, "not computed before it is used");
}

TEST(ModelVerifier, RefusesTensorsWrittenTwice) {
  Mlp m;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  expect_refused(m.b.finish(), Status::kMalformedModel, "written twice");
}

TEST(ModelVerifier, RefusesOutputsNeverComputed) {
  Mlp m;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  m.b.add_output(m.out);
  expect_refused(m.b.finish(), Status::kMalformedModel, "never computed");
}

TEST(ModelVerifier, RefusesMissingBuffers) {
  Mlp m;
  m.b.set_tensor_buffer(m.w1, 77);
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h});
  expect_refused(m.b.finish(), Status::kMalformedModel, "buffer index 77 out of range");
}

TEST(ModelVerifier, RefusesBufferSizeThatDisagreesWithShape) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 4});
  const int w = b.add_constant(DataType::kFloat32, {3, 4}, std::vector<float>(11, 1.0f));
  const int out = b.add_tensor(DataType::kFloat32, {1, 3});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
  expect_refused(b.finish(), Status::kMalformedModel, "holds 44 bytes, shape and dtype need 48");
}

TEST(ModelVerifier, RefusesInconsistentQuantization) {
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt8, {1, 4}, per_tensor(0.1f, 0));
    const int w = b.add_constant(DataType::kInt8, {3, 4}, std::vector<int8_t>(12, 1),
                                 Quant{{0.1f, 0.2f}, {0, 0}, 0});
    const int out = b.add_tensor(DataType::kInt8, {1, 3}, per_tensor(0.1f, 0));
    b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
    expect_refused(b.finish(), Status::kMalformedModel, "do not match quantized_dimension");
  }
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt8, {1, 4}, Quant{{NAN}, {0}, 0});
    const int w =
        b.add_constant(DataType::kInt8, {3, 4}, std::vector<int8_t>(12, 1), per_tensor(0.1f, 0));
    const int out = b.add_tensor(DataType::kInt8, {1, 3}, per_tensor(0.1f, 0));
    b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
    expect_refused(b.finish(), Status::kMalformedModel, "finite positive");
  }
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt8, {1, 4}, Quant{{0.5f}, {}, 0});
    const int w =
        b.add_constant(DataType::kInt8, {3, 4}, std::vector<int8_t>(12, 1), per_tensor(0.1f, 0));
    const int out = b.add_tensor(DataType::kInt8, {1, 3}, per_tensor(0.1f, 0));
    b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
    expect_refused(b.finish(), Status::kMalformedModel, "1 scales but 0 zero points");
  }
}

TEST(ModelVerifier, NamesUnsupportedOperatorsAndVersions) {
  {
    Mlp m;
    m.b.add_op(BuiltinOperator::L2_POOL_2D, {m.in}, {m.h});
    expect_refused(m.b.finish(), Status::kUnsupported, "L2_POOL_2D is not supported");
  }
  {
    Mlp m;
    m.b.add_op(BuiltinOperator::FULLY_CONNECTED, {m.in, m.w1, -1}, {m.h},
               tflite::BuiltinOptions::NONE, 0, 99);
    expect_refused(m.b.finish(), Status::kUnsupported, "FULLY_CONNECTED version 99");
  }
  {
    Mlp m;
    m.b.add_custom_op("MyFancyOp", {m.in}, {m.h});
    expect_refused(m.b.finish(), Status::kUnsupported, "custom operator 'MyFancyOp'");
  }
}

// Every prefix of a real model is refused cleanly (or, rarely, still valid and runnable).
TEST(ModelVerifier, TruncatedRealModelsAreRefused) {
  TINYFORGE_REQUIRE_SHARED();
  for (const char* name : {"hello_world_int8", "micro_speech_quantized", "kws_ref_model"}) {
    const auto bytes =
        host::read_file(shared_dir() / "conformance" / "models" / (std::string(name) + ".tflite"));
    int refused = 0;
    for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 300) {
      const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + cut);
      const LoadResult r = load_model(prefix);
      if (r.status != Status::kOk) {
        ++refused;
        EXPECT_FALSE(r.message.empty()) << name << " cut at " << cut;
      }
    }
    EXPECT_GT(refused, 250) << name;
  }
}

// Random bit flips: each corrupted file is either refused with a message or, if it still
// verifies, plans and runs without faults (AddressSanitizer/UBSan builds make this strict).
TEST(ModelVerifier, BitFlippedRealModelsNeverCrash) {
  TINYFORGE_REQUIRE_SHARED();
  std::mt19937 rng(11);
  for (const char* name : {"hello_world_int8", "hello_world_float", "micro_speech_quantized"}) {
    const auto original =
        host::read_file(shared_dir() / "conformance" / "models" / (std::string(name) + ".tflite"));
    int refused = 0, ran = 0;
    for (int trial = 0; trial < 400; ++trial) {
      auto bytes = original;
      const int flips = 1 + trial % 4;
      for (int f = 0; f < flips; ++f) {
        const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
        bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      const LoadResult r = load_model(bytes);
      if (r.status != Status::kOk) {
        ++refused;
        EXPECT_FALSE(r.message.empty());
        continue;
      }
      // Still valid: it must also plan and run (inputs zeroed).
      {
        host::ModelFile file(bytes.data(), bytes.size(), name);
        if (host::plan_arena(file.model()).total_bytes < (64u << 20)) {
          host::HostInterpreter interpreter(file);
          interpreter.get().invoke();
          ++ran;
        }
      }
    }
    EXPECT_EQ(refused + ran, 400) << name;
  }
}

// TFLite's FLOAT64, which the runtime cannot hold.
constexpr DataType kFloat64 = static_cast<DataType>(10);

// Structure-level loading (what inspect describes) goes past tensors this build cannot hold; the
// checks then say, per tensor and per operator, what cannot run and why.
TEST(ModelVerifier, StructureLevelNamesWhatCannotRunPerTensorAndOperator) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 4});
  const int wide = b.add_constant_bytes(kFloat64, {3, 4}, std::vector<uint8_t>(96, 0));
  const int h = b.add_tensor(DataType::kFloat32, {1, 3});
  const int out = b.add_tensor(DataType::kFloat32, {1, 3});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, wide, -1}, {h});
  b.add_op(BuiltinOperator::RELU, {h}, {out});
  const std::vector<uint8_t> bytes = b.finish();
  expect_refused(bytes, Status::kUnsupported, "tensor 1 't1': dtype FLOAT64 is not supported");

  const host::ModelFile file(bytes.data(), bytes.size(), "m", /*allow_unrunnable=*/true);
  const Model& model = file.model();
  EXPECT_FALSE(model.runnable());
  EXPECT_NE(file.unrunnable_reason().find("FLOAT64"), std::string::npos);
  ErrorMessage why;
  EXPECT_EQ(model.check_tensor(wide, &why), Status::kUnsupported);
  EXPECT_STREQ(why.c_str(), "dtype FLOAT64 is not supported");
  why.clear();
  EXPECT_EQ(model.check_tensor(in, &why), Status::kOk);
  EXPECT_TRUE(why.empty());
  EXPECT_EQ(model.check_tensor(99, &why), Status::kInvalidArgument);
  why.clear();
  EXPECT_EQ(model.check_operator(0, &why), Status::kUnsupported);
  EXPECT_STREQ(why.c_str(), "dtype FLOAT64 is not supported (input 1, tensor 1)");
  why.clear();
  EXPECT_EQ(model.check_operator(1, &why), Status::kOk) << why.c_str();
}

// The same bit flips through inspect's whole report (MACs, checks, metadata, plans, both
// renderings) on what the structure-level verifier accepts: never a crash, never a JSON failure.
TEST(ModelVerifier, BitFlippedRealModelsNeverCrashTheInspectReport) {
  TINYFORGE_REQUIRE_SHARED();
  std::mt19937 rng(12);
  for (const char* name : {"hello_world_int8", "micro_speech_quantized", "trained_lstm_int8"}) {
    const auto original =
        host::read_file(shared_dir() / "conformance" / "models" / (std::string(name) + ".tflite"));
    int described = 0;
    for (int trial = 0; trial < 300; ++trial) {
      auto bytes = original;
      for (int f = 0; f < 1 + trial % 4; ++f) {
        const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
        bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      try {
        const host::ModelFile file(bytes.data(), bytes.size(), name, /*allow_unrunnable=*/true);
        const host::ModelReport report = host::make_report(file);
        EXPECT_FALSE(host::report_json(report)
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                         .empty());
        EXPECT_FALSE(host::report_text(report).empty());
        ++described;
      } catch (const host::Error& e) {
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      }
    }
    EXPECT_GT(described, 0) << name;
  }
}

}  // namespace
}  // namespace tinyforge::testing
