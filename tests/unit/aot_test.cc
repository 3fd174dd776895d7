// Models compiled ahead of time (toolkit/export/aot_code.h, docs/aot.md): the generated code is
// deterministic, unsupported models get a clear error, and under QEMU the compiled models give
// the conformance outputs byte for byte, with the same --json keys as the interpreter's runs.
// CI runs a few models (each is a firmware build); TINYFORGE_AOT_ALL=1 runs every conformance model
// AOT compiles, on every board.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/require_qemu.h"
#include "tests/support/shared_data.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/export/aot_code.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

fs::path model_path(const std::string& name) {
  return shared_dir() / "conformance" / "models" / (name + ".tflite");
}

host::AotCode generate(const std::string& name, KernelSet kernels) {
  const host::ModelFile file(model_path(name));
  host::AotOptions options;
  options.kernels = kernels;
  return host::generate_aot(file, options);
}

TEST(Aot, GeneratedCodeIsDeterministic) {
  TINYFORGE_REQUIRE_SHARED();
  for (const KernelSet kernels : {KernelSet::kReference, KernelSet::kArmDsp, KernelSet::kArmMve}) {
    const host::AotCode first = generate("kws_ref_model", kernels);
    const host::AotCode second = generate("kws_ref_model", kernels);
    EXPECT_EQ(first.header, second.header);
    EXPECT_EQ(first.source, second.source);
    EXPECT_EQ(first.arena_bytes, second.arena_bytes);
  }
}

TEST(Aot, CodeCallsTheTargetsKernelsWithoutAnInterpreter) {
  TINYFORGE_REQUIRE_SHARED();
  const host::AotCode dsp = generate("kws_ref_model", KernelSet::kArmDsp);
  EXPECT_NE(dsp.source.find("kDspKernel_CONV_2D.eval(ctx)"), std::string::npos);
  EXPECT_NE(dsp.source.find("kKernel_SOFTMAX.eval(ctx)"), std::string::npos);
  const host::AotCode mve = generate("kws_ref_model", KernelSet::kArmMve);
  EXPECT_NE(mve.source.find("kMveKernel_CONV_2D.eval(ctx)"), std::string::npos);
  EXPECT_NE(mve.source.find("kCorrectedBias"), std::string::npos);
  for (const auto* code : {&dsp, &mve}) {
    EXPECT_EQ(code->source.find("Interpreter"), std::string::npos);
    EXPECT_EQ(code->source.find("Model"), std::string::npos);
  }
  EXPECT_EQ(dsp.ops, (std::set<std::string>{"AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D",
                                            "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}));
  // The arena holds activations and scratch only: below the interpreter's, which adds its tables
  // and the kernels' parameters.
  const host::ModelFile file(model_path("kws_ref_model"));
  EXPECT_LT(dsp.arena_bytes, host::plan_device_arena(file.model(), KernelSet::kArmDsp).total_bytes);
}

TEST(Aot, UnsupportedModelGetsAClearError) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path model =
      shared_dir() / "conformance" / "seanet" / "leaky_relu" / "leaky_relu2.tflite";
  try {
    host::generate_aot(host::ModelFile(model), host::AotOptions());
    FAIL() << "expected an error";
  } catch (const host::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("leaky_relu2.tflite"), std::string::npos) << what;
    EXPECT_NE(what.find("LEAKY_RELU is not supported by AOT compilation"), std::string::npos)
        << what;
  }
  const host::TempDir dir("tinyforge-aot-test-");
  const CliResult r =
      run_cli("export aot " + model.string() + " -o " + (dir.path() / "out").string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  const auto json = r.last_json();
  ASSERT_TRUE(json.contains("error"));
  EXPECT_NE(json["error"].get<std::string>().find("LEAKY_RELU"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "model_aot.cc"));
}

// Every seed of `name` through the compiled model on `board`, against the conformance outputs
// (which the interpreter reproduces byte for byte: tests/conformance, qemu_test.cc).
void expect_aot_matches_vectors(const std::string& board, const std::string& name) {
  const fs::path vectors = shared_dir() / "conformance" / "vectors" / name;
  const host::ModelFile file(model_path(name));
  for (int seed = 1; seed <= 3; ++seed) {
    std::vector<fs::path> inputs;
    for (int i = 0; i < file.model().num_inputs(); ++i)
      inputs.push_back(vectors /
                       ("input_" + std::to_string(seed) + "_" + std::to_string(i) + ".bin"));
    const deploy::BoardRun r = deploy::run_aot_model_on_board(board, model_path(name), inputs);
    ASSERT_EQ(static_cast<int>(r.outputs.size()), file.model().num_outputs());
    for (size_t o = 0; o < r.outputs.size(); ++o) {
      const auto want = host::read_file(
          vectors / ("output_" + std::to_string(seed) + "_" + std::to_string(o) + ".bin"));
      EXPECT_EQ(r.outputs[o], want)
          << name << " seed " << seed << " output " << o << " on " << board;
    }
    std::cout << "[ aot      ] " << board << " " << name << " seed " << seed << ": "
              << r.instructions << " instructions, arena " << r.arena_bytes << " bytes\n";
  }
}

bool all_models() {
  const char* all = std::getenv("TINYFORGE_AOT_ALL");
  return all != nullptr && std::string(all) == "1";
}

TEST(AotQemu, ConformanceModelsAreByteIdentical) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  std::vector<std::pair<std::string, std::string>> cases = {
      {"mps2-an386", "micro_speech_quantized"},
      {"mps2-an386", "keyword_scrambled_8bit"},
      {"mps2-an386", "pretrainedResnet_quant"},
      {"mps3-an547", "kws_ref_model"},
  };
  if (all_models()) {
    cases.clear();
    for (const auto& board : deploy::known_boards()) {
      for (const char* name :
           {"hello_world_int8", "hello_world_float", "micro_speech_quantized", "kws_ref_model",
            "keyword_scrambled_8bit", "trained_lstm_int8", "str_ww_ref_model", "simple_add_model",
            "ad01_int8", "pretrainedResnet_quant", "person_detect", "vww_96_int8",
            "vww_96_float"}) {
        cases.emplace_back(board, name);
      }
    }
  }
  for (const auto& [board, name] : cases) expect_aot_matches_vectors(board, name);
}

std::set<std::string> keys(const nlohmann::json& json) {
  std::set<std::string> names;
  for (const auto& [key, value] : json.items()) names.insert(key);
  return names;
}

TEST(AotQemu, JsonKeysMatchTheInterpretersAndTheImageIsSmaller) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const std::string model = model_path("hello_world_int8").string();
  const host::TempDir dir("tinyforge-aot-test-");
  nlohmann::json deployed[2], ran[2];
  for (int aot = 0; aot < 2; ++aot) {
    const std::string flag = aot == 1 ? " --aot" : "";
    const CliResult d = run_cli("deploy " + model + " --board mps2-an386 --json -o " +
                                (dir.path() / std::to_string(aot)).string() + flag);
    ASSERT_EQ(d.exit_code, 0) << d.out;
    deployed[aot] = d.last_json();
    const CliResult r = run_cli("run " + model + " --board mps2-an386 --random 1 --json" + flag);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ran[aot] = r.last_json();
  }
  EXPECT_EQ(keys(deployed[0]), keys(deployed[1]));
  EXPECT_EQ(keys(ran[0]), keys(ran[1]));
  EXPECT_LT(deployed[1]["flash_code_bytes"].get<uint64_t>(),
            deployed[0]["flash_code_bytes"].get<uint64_t>() / 2);
  EXPECT_LT(ran[1]["arena_bytes"].get<uint64_t>(), ran[0]["arena_bytes"].get<uint64_t>());
  EXPECT_GT(ran[1]["instructions"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace tinyforge::testing
