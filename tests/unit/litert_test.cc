// The independent check (issue 5): third-party .tflite files from ../shared/conformance run in
// LiteRT.js (XNNPACK in WebAssembly) and in our runtime on the same inputs. Float outputs agree
// within 1e-4 relative; int8 outputs within 8 quantization steps with the same top-1, since
// XNNPACK requantizes differently from TFLite's reference arithmetic (our runtime reproduces
// TFLite Micro's bytes, checked here too). Where LiteRT refuses a file, the refusal is asserted
// with its message, so a LiteRT release that changes its verdict makes this test notice.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/support/litert.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "tflite_generated.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

fs::path conformance() { return shared_dir() / "conformance"; }
fs::path model_path(const std::string& name) {
  return conformance() / "models" / (name + ".tflite");
}
std::vector<uint8_t> vector_file(const std::string& name, const std::string& file) {
  return host::read_file(conformance() / "vectors" / name / file);
}
// The three seeds' input (or output) tensors back to back: one LiteRT session runs them all
// (--samples 3) for the cost of one Node start.
std::vector<uint8_t> all_seeds(const std::string& name, const std::string& kind) {
  std::vector<uint8_t> bytes;
  for (int seed = 1; seed <= 3; ++seed) {
    const std::vector<uint8_t> one =
        vector_file(name, kind + "_" + std::to_string(seed) + "_0.bin");
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  return bytes;
}

struct Int8Case {
  const char* model;
  bool classifier;  // top-1 is meaningful (not for ad01's 640-value autoencoder output)
};

class LiteRtInt8 : public ::testing::TestWithParam<Int8Case> {};

TEST_P(LiteRtInt8, AcceptsAndAgreesWithinEightSteps) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const Int8Case c = GetParam();
  const std::vector<uint8_t> model = host::read_file(model_path(c.model));
  const LiteRtResult lite = run_litert(model_path(c.model), {all_seeds(c.model, "input")}, 3);
  ASSERT_TRUE(lite.ok()) << lite.error;
  ASSERT_EQ(lite.outputs.size(), 1u);
  EXPECT_EQ(lite.outputs[0].dtype, "int8");

  for (int seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::string k = std::to_string(seed);
    const RunResult ours = run_model(model, {vector_file(c.model, "input_" + k + "_0.bin")});
    ASSERT_EQ(ours.status, Status::kOk) << ours.message;
    ASSERT_EQ(ours.outputs.size(), 1u);
    // Ours is TFLite's reference arithmetic: TFLite Micro's bytes exactly.
    ASSERT_EQ(ours.outputs[0], vector_file(c.model, "output_" + k + "_0.bin"));

    const std::vector<uint8_t> theirs = lite.outputs[0].sample(seed - 1);
    ASSERT_EQ(theirs.size(), ours.outputs[0].size());
    const StepDiff diff = step_diff<int8_t>(theirs, ours.outputs[0]);
    std::cout << "[ litert ] " << c.model << " seed " << seed << " (" << lite.wasm
              << "): " << diff.differing << " of " << diff.count << " outputs differ, at most "
              << diff.max_steps << " steps\n";
    EXPECT_LE(diff.max_steps, 8);
    if (c.classifier) EXPECT_EQ(argmax<int8_t>(theirs), argmax<int8_t>(ours.outputs[0]));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Conformance, LiteRtInt8,
    ::testing::Values(Int8Case{"kws_ref_model", true}, Int8Case{"vww_96_int8", true},
                      Int8Case{"ad01_int8", false}, Int8Case{"pretrainedResnet_quant", true}),
    [](const ::testing::TestParamInfo<Int8Case>& info) { return std::string(info.param.model); });

// 16x8 (int16 activations, int8 weights): TFLM's seanet layer models with their CSV inputs.
// LiteRT.js takes int16 tensors once the dtype patch knows them; held to TFLite's own ±1.
std::vector<uint8_t> csv_int16(const fs::path& file) {
  const std::vector<uint8_t> text = host::read_file(file);
  std::vector<int16_t> values;
  std::string field;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? static_cast<char>(text[i]) : ',';
    if (c == ',' || c == '\n') {
      if (!field.empty()) values.push_back(static_cast<int16_t>(std::stol(field)));
      field.clear();
    } else if (c != '\r' && c != ' ') {
      field += c;
    }
  }
  return to_bytes(values);
}

class LiteRtInt16 : public ::testing::TestWithParam<const char*> {};

TEST_P(LiteRtInt16, AcceptsAndAgreesWithinOneStep) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const fs::path base = conformance() / "seanet" / GetParam();
  const fs::path model = base.string() + ".tflite";
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; fs::exists(base.string() + "_input" + std::to_string(i) + "_int16.csv"); ++i) {
    inputs.push_back(csv_int16(base.string() + "_input" + std::to_string(i) + "_int16.csv"));
  }
  ASSERT_FALSE(inputs.empty());

  const RunResult ours = run_model(host::read_file(model), inputs);
  ASSERT_EQ(ours.status, Status::kOk) << ours.message;
  const LiteRtResult lite = run_litert(model, inputs);
  ASSERT_TRUE(lite.ok()) << lite.error;
  ASSERT_EQ(lite.outputs.size(), 1u);
  EXPECT_EQ(lite.outputs[0].dtype, "int16");
  ASSERT_EQ(lite.outputs[0].bytes.size(), ours.outputs[0].size());
  const StepDiff diff = step_diff<int16_t>(lite.outputs[0].bytes, ours.outputs[0]);
  std::cout << "[ litert ] seanet " << GetParam() << ": " << diff.differing << " of " << diff.count
            << " int16 outputs differ, at most " << diff.max_steps << " steps\n";
  EXPECT_LE(diff.max_steps, 1);
}

INSTANTIATE_TEST_SUITE_P(Seanet, LiteRtInt16,
                         ::testing::Values("conv/conv0", "add/add0", "leaky_relu/leaky_relu0"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           return name.substr(name.find('/') + 1);
                         });

TEST(LiteRt, Vww96FloatAgreesWithinRelative1e4) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const std::vector<uint8_t> model = host::read_file(model_path("vww_96_float"));
  const LiteRtResult lite =
      run_litert(model_path("vww_96_float"), {all_seeds("vww_96_float", "input")}, 3);
  ASSERT_TRUE(lite.ok()) << lite.error;
  ASSERT_EQ(lite.outputs.size(), 1u);
  EXPECT_EQ(lite.outputs[0].dtype, "float32");
  EXPECT_EQ(lite.outputs[0].shape, (std::vector<int64_t>{1, 2}));

  for (int seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const RunResult ours =
        run_model(model, {vector_file("vww_96_float", "input_" + std::to_string(seed) + "_0.bin")});
    ASSERT_EQ(ours.status, Status::kOk) << ours.message;
    const std::vector<uint8_t> theirs = lite.outputs[0].sample(seed - 1);
    ASSERT_EQ(theirs.size(), ours.outputs[0].size());
    const double error = max_relative_error(theirs, ours.outputs[0]);
    std::cout << "[ litert ] vww_96_float seed " << seed << ": max relative error " << error
              << "\n";
    EXPECT_LE(error, 1e-4);
    EXPECT_EQ(argmax<float>(theirs), argmax<float>(ours.outputs[0]));
  }
}

// hello_world_float declares a dynamic batch (shape_signature [-1, 1]); LiteRT.js compiles it
// but refuses any concrete input for it. With the batch pinned to 1, as our exporter writes
// shapes, it runs and agrees with us.
TEST(LiteRt, HelloWorldFloatRunsOnceItsBatchIsStatic) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const std::vector<uint8_t> model = host::read_file(model_path("hello_world_float"));
  const std::vector<uint8_t> input = vector_file("hello_world_float", "input_1_0.bin");

  const LiteRtResult dynamic = run_litert(model_path("hello_world_float"), {input});
  ASSERT_FALSE(dynamic.ok());
  EXPECT_NE(dynamic.error.find("does not match expected ranked tensor type Float32[-1, 1]"),
            std::string::npos)
      << dynamic.error;

  const RunResult ours = run_model(model, {input});
  ASSERT_EQ(ours.status, Status::kOk) << ours.message;
  const LiteRtResult lite = run_litert(pin_dynamic_dimensions(model), {input});
  ASSERT_TRUE(lite.ok()) << lite.error;
  ASSERT_EQ(lite.outputs.size(), 1u);
  ASSERT_EQ(lite.outputs[0].bytes.size(), sizeof(float));
  EXPECT_LE(max_relative_error(lite.outputs[0].bytes, ours.outputs[0]), 1e-4);
}

// person_detect's int32 bias tensors (rank 1, one scale per channel) carry
// quantized_dimension 3, copied from their 4-D weights. TFLite Micro and we never read that
// field for a bias; LiteRT.js checks it against the rank ("must be in range [0, 1)") and
// refuses the file. (Tensor 33, the first one named, is Conv2d_0's bias.)
TEST(LiteRt, PersonDetectRefusedForItsBiasQuantizedDimension) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const std::vector<uint8_t> input = vector_file("person_detect", "input_1_0.bin");
  const RunResult ours = run_model(host::read_file(model_path("person_detect")), {input});
  ASSERT_EQ(ours.status, Status::kOk) << ours.message;
  EXPECT_EQ(ours.outputs[0], vector_file("person_detect", "output_1_0.bin"));

  const LiteRtResult lite = run_litert(model_path("person_detect"), {input});
  ASSERT_FALSE(lite.ok()) << "LiteRT.js now accepts person_detect: compare it like the others";
  EXPECT_NE(lite.error.find("LiteRT refused person_detect.tflite"), std::string::npos)
      << lite.error;
  EXPECT_NE(lite.error.find("quantized_dimension must be in range [0, 1). Was 3."),
            std::string::npos)
      << lite.error;
  EXPECT_NE(lite.error.find("Tensor 33 has invalid quantization parameters"), std::string::npos)
      << lite.error;
}

TEST(LiteRt, WrongInputSizeNamesFileAndExpectedBytes) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const LiteRtResult lite = run_litert(model_path("kws_ref_model"), {std::vector<uint8_t>(489, 0)});
  ASSERT_FALSE(lite.ok());
  EXPECT_NE(lite.error.find("input_0.bin: 489 bytes"), std::string::npos) << lite.error;
  EXPECT_NE(lite.error.find("int8[1,49,10,1] = 490 bytes"), std::string::npos) << lite.error;
}

TEST(LiteRt, SamplesMustDivideTheInputFile) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const LiteRtResult lite =
      run_litert(model_path("kws_ref_model"), {std::vector<uint8_t>(3 * 490 - 1, 0)}, 3);
  ASSERT_FALSE(lite.ok());
  EXPECT_NE(lite.error.find("1469 bytes, but input 0 (input_1) is int8[1,49,10,1] = 490 bytes "
                            "per sample, 3 samples"),
            std::string::npos)
      << lite.error;
}

TEST(LiteRt, WrongInputCountIsAnError) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_LITERT();
  const LiteRtResult lite = run_litert(model_path("kws_ref_model"), {});
  ASSERT_FALSE(lite.ok());
  EXPECT_NE(lite.error.find("has 1 inputs, got 0"), std::string::npos) << lite.error;
}

TEST(LiteRt, NotAModelIsRefused) {
  TINYFORGE_REQUIRE_LITERT();
  const std::vector<uint8_t> junk(64, 0x5a);
  const LiteRtResult lite = run_litert(junk, {std::vector<uint8_t>(4, 0)});
  ASSERT_FALSE(lite.ok());
  EXPECT_NE(lite.error.find("LiteRT refused model.tflite"), std::string::npos) << lite.error;
}

// Without LiteRT: the rewrite touches exactly the -1 entries of shape_signature.
TEST(LiteRtHelpers, PinDynamicDimensionsRewritesOnlyDynamicEntries) {
  TINYFORGE_REQUIRE_SHARED();
  const std::vector<uint8_t> model = host::read_file(model_path("hello_world_float"));
  const std::vector<uint8_t> pinned = pin_dynamic_dimensions(model);
  ASSERT_EQ(pinned.size(), model.size());

  size_t dynamic = 0;
  const tflite::SubGraph* before = (*tflite::GetModel(model.data())->subgraphs())[0];
  const tflite::SubGraph* after = (*tflite::GetModel(pinned.data())->subgraphs())[0];
  for (flatbuffers::uoffset_t t = 0; t < after->tensors()->size(); ++t) {
    const auto* sig_before = before->tensors()->Get(t)->shape_signature();
    const auto* sig_after = after->tensors()->Get(t)->shape_signature();
    const auto* shape = after->tensors()->Get(t)->shape();
    if (sig_after == nullptr) continue;
    for (flatbuffers::uoffset_t i = 0; i < sig_after->size(); ++i) {
      EXPECT_GE(sig_after->Get(i), 0) << "tensor " << t;
      if (sig_before->Get(i) < 0) {
        ++dynamic;
        EXPECT_EQ(sig_after->Get(i), shape->Get(i));
      } else {
        EXPECT_EQ(sig_after->Get(i), sig_before->Get(i));
      }
    }
  }
  EXPECT_GE(dynamic, 1u) << "hello_world_float no longer has a dynamic batch";

  size_t changed = 0;
  for (size_t i = 0; i < model.size(); ++i) changed += model[i] != pinned[i];
  EXPECT_GE(changed, dynamic);      // every -1 rewritten ...
  EXPECT_LE(changed, dynamic * 4);  // ... and nothing else (4 bytes per entry at most)
  // Not a flatbuffer: handed back as it is.
  const std::vector<uint8_t> junk{1, 2, 3};
  EXPECT_EQ(pin_dynamic_dimensions(junk), junk);
}

TEST(LiteRtHelpers, StepDiffCountsStepsAndDifferingElements) {
  const std::vector<int8_t> a{-128, 0, 5, 127};
  const std::vector<int8_t> b{-120, 0, 6, 127};
  const StepDiff d = step_diff<int8_t>(to_bytes(a), to_bytes(b));
  EXPECT_EQ(d.max_steps, 8);
  EXPECT_EQ(d.differing, 2u);
  EXPECT_EQ(d.count, 4u);
  const StepDiff wide = step_diff<int16_t>(to_bytes(std::vector<int16_t>{-32768}),
                                           to_bytes(std::vector<int16_t>{32767}));
  EXPECT_EQ(wide.max_steps, 65535);
}

TEST(LiteRtHelpers, RelativeErrorIsPerElementWithAFloorForZeros) {
  // 1.0001 vs 1: 1e-4; 0 vs 0: no error; a tiny absolute error on an exact zero is measured
  // against 1e-6 of the largest value (2.0), not divided by zero.
  const std::vector<float> ours{1.0f, 0.0f, 2.0f};
  EXPECT_NEAR(max_relative_error(to_bytes(std::vector<float>{1.0001f, 0.0f, 2.0f}), to_bytes(ours)),
              1e-4, 1e-6);
  EXPECT_NEAR(max_relative_error(to_bytes(std::vector<float>{1.0f, 2e-7f, 2.0f}), to_bytes(ours)),
              0.1, 1e-6);
  EXPECT_EQ(max_relative_error(to_bytes(std::vector<float>{NAN, 0.0f, 2.0f}), to_bytes(ours)),
            INFINITY);
  EXPECT_EQ(argmax<float>(to_bytes(ours)), 2u);
  EXPECT_EQ(argmax<int8_t>(to_bytes(std::vector<int8_t>{-3, 7, 7})), 1u);
}

}  // namespace
}  // namespace tinyforge::testing
