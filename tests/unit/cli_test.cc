// The `tinyforge` program as scripts use it: DESIGN.md's command-line contract (tensor files,
// --random, --json keys on the last line, non-zero exit with {"error": ...}).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/model_builder.h"

#include "tests/support/shared_data.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

using Result = tinyforge::testing::CliResult;
inline Result run(const std::string& args) { return tinyforge::testing::run_cli(args); }

fs::path models() { return shared_dir() / "conformance" / "models"; }
fs::path vectors(const std::string& name) {
  return shared_dir() / "conformance" / "vectors" / name;
}

TEST(Cli, InspectJsonHasTheContractKeys) {
  TINYFORGE_REQUIRE_SHARED();
  const Result r = run("inspect " + (models() / "kws_ref_model.tflite").string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  for (const char* key :
       {"ops", "inputs", "outputs", "params", "macs", "arena_bytes", "arena_lower_bound_bytes"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["ops"].size(), 13u);
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 49, 10, 1}));
  EXPECT_GT(j["macs"].get<int64_t>(), 2000000);
  // The arena is the planned activations plus persistent state; in-place execution lets the
  // planned part go below the live-set figure (arena_lower_bound_bytes).
  const int64_t planned = j["arena_planned_bytes"].get<int64_t>();
  EXPECT_EQ(j["arena_bytes"].get<int64_t>(), planned + j["arena_persistent_bytes"].get<int64_t>());
  EXPECT_GT(planned, 0);
  EXPECT_LE(j["device_arena_bytes"].get<int64_t>(), j["arena_bytes"].get<int64_t>());
  EXPECT_GT(j["in_place_ops"].get<int64_t>(), 0);
}

// run --no-patches plans person_detect layer by layer: the same output bytes in a larger arena;
// inspect names the stage the default plan runs.
TEST(Cli, RunWithoutPatchesGivesTheSameBytesInALargerArena) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string model = (models() / "person_detect.tflite").string();
  const fs::path dir = fs::temp_directory_path() / "tinyforge-cli-no-patches";
  fs::create_directories(dir);
  const Result with =
      run("run " + model + " --random 1 -o " + (dir / "with.bin").string() + " --json");
  const Result without = run("run " + model + " --random 1 --no-patches -o " +
                             (dir / "without.bin").string() + " --json");
  const Result inspect = run("inspect " + model + " --json");
  ASSERT_EQ(with.exit_code, 0) << with.out;
  ASSERT_EQ(without.exit_code, 0) << without.out;
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out;
  EXPECT_EQ(host::read_file(dir / "with.bin"), host::read_file(dir / "without.bin"));
  EXPECT_LT(with.last_json()["arena_bytes"].get<int64_t>(),
            without.last_json()["arena_bytes"].get<int64_t>());
  EXPECT_EQ(inspect.last_json()["patch_ops"].get<int>(), 4);
  EXPECT_EQ(inspect.last_json()["patch_first_op"].get<int>(), 0);
  EXPECT_NE(run("inspect " + model).out.find("Patches: 4 operators from #0"), std::string::npos);
  fs::remove_all(dir);
}

// inspect's arena is what run uses on this machine; --board plans the device figure for that
// board's kernels, as deploy and run --board do.
TEST(Cli, InspectArenaMatchesRunAndBoardKernels) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string model = (models() / "person_detect.tflite").string();
  const Result inspect = run("inspect " + model + " --json");
  const Result inspect_m55 = run("inspect " + model + " --board mps3-an547 --json");
  const Result host_run = run("run " + model + " --random 1 --json");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out;
  ASSERT_EQ(inspect_m55.exit_code, 0) << inspect_m55.out;
  ASSERT_EQ(host_run.exit_code, 0) << host_run.out;
  EXPECT_EQ(inspect.last_json()["arena_bytes"], host_run.last_json()["arena_bytes"]);
  const host::ModelFile file(models() / "person_detect.tflite");
  EXPECT_EQ(inspect_m55.last_json()["device_arena_bytes"].get<size_t>(),
            host::plan_device_arena(file.model(), KernelSet::kArmMve).total_bytes);
  EXPECT_NE(inspect_m55.last_json()["device_arena_bytes"],
            inspect.last_json()["device_arena_bytes"]);
  const Result unknown = run("inspect " + model + " --board mps9 --json");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.last_json()["error"].get<std::string>().find("known: mps2-an386"),
            std::string::npos);
}

TEST(Cli, RunWithRandomSeedReproducesTheConformanceVector) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path out = fs::temp_directory_path() / "tinyforge_cli_test_out.bin";
  const Result r = run("run " + (models() / "micro_speech_quantized.tflite").string() +
                       " --random 2 --repeat 3 --output " + out.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  EXPECT_EQ(j["outputs"][0]["dtype"], "int8");
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(j.contains("invoke_us"));
  EXPECT_EQ(host::read_file(out),
            host::read_file(vectors("micro_speech_quantized") / "output_2_0.bin"));
  fs::remove(out);
}

TEST(Cli, RunAcceptsRepeatedAndListedInputs) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path dir = vectors("simple_add_model");
  const fs::path out = fs::temp_directory_path() / "tinyforge_cli_test_add.bin";
  const std::string model = (models() / "simple_add_model.tflite").string();
  for (const std::string inputs :
       {"--input " + (dir / "input_3_0.bin").string() + " " + (dir / "input_3_1.bin").string(),
        "--input " + (dir / "input_3_0.bin").string() + " --input " +
            (dir / "input_3_1.bin").string()}) {
    const Result r = run("run " + model + " " + inputs + " --output " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(host::read_file(out), host::read_file(dir / "output_3_0.bin"));
  }
  fs::remove(out);
}

TEST(Cli, FailuresExitNonZeroWithAnErrorObject) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path bogus = fs::temp_directory_path() / "tinyforge_cli_not_a_model.tflite";
  host::write_file(bogus, "hello", 5);
  Result r = run("inspect " + bogus.string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find(bogus.string()), std::string::npos);
  // Wrong input size names the file and the expected bytes.
  r = run("run " + (models() / "hello_world_int8.tflite").string() + " --input " + bogus.string() +
          " --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find("needs 1 bytes"), std::string::npos);
  // A model the runtime refuses is still described, with the reason.
  r = run("inspect " + (models() / "kws_ref_model_float32.tflite").string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find("hybrid"), std::string::npos);
  EXPECT_EQ(r.last_json()["ops"].size(), 13u);
  fs::remove(bogus);
}

// DESIGN.md's contract for a wrong command line: exit 2, {"error": ...} as the last line under
// --json, and a message naming the flag and what it takes; failures while working exit 1.
TEST(Cli, UsageErrorsExitTwoNamingTheFlagAndWhatItTakes) {
  struct Case {
    std::string args;
    std::vector<std::string> words;
  };
  const std::string model = (fs::temp_directory_path() / "no_such_model.tflite").string();
  const Case cases[] = {
      {"eval m.tflite p.yaml --limit 0", {"--limit", "whole number >= 1", "got 0"}},
      {"eval m.tflite p.yaml --limit many", {"--limit", "whole number >= 1", "'many'"}},
      {"train p.yaml --epoch 3", {"unknown option --epoch", "did you mean --epochs?"}},
      {"train p.yaml --resume --overwrite", {"--overwrite", "--resume"}},
      {"run " + model + " --random 1 --input a.bin", {"--input", "--random"}},
      {"convert", {"model argument is required"}},
      {"bogus", {"unknown command 'bogus'", "inspect"}},
      {"export", {"give a command", "c-array"}},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args + " --json");
    EXPECT_EQ(r.exit_code, 2) << c.args;
    const std::string error = r.last_json().value("error", "");
    for (const std::string& word : c.words) EXPECT_NE(error.find(word), std::string::npos) << error;
    EXPECT_NE(error.find("--help"), std::string::npos) << error;
    EXPECT_EQ(run(c.args).exit_code, 2) << c.args << " without --json";
  }
  // A command line that parses but whose work fails: exit 1, the file named.
  const Result missing = run("inspect " + model + " --json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.last_json()["error"].get<std::string>().find(model), std::string::npos);
  EXPECT_EQ(run("export c-array " + model + " -o x.h --json").exit_code, 1);
}

// The byte that says FULLY_CONNECTED #1 has 3 inputs, set to 0: run refuses the model, and
// inspect, which once read the missing filter for MACs and crashed, describes it and fails.
TEST(Cli, InspectOfAModelRunRefusesFailsCleanly) {
  TINYFORGE_REQUIRE_SHARED();
  std::vector<uint8_t> bytes = host::read_file(models() / "hello_world_int8.tflite");
  ASSERT_EQ(bytes.at(1196), 0x08);
  bytes[1196] = 0;
  const fs::path mutated = fs::temp_directory_path() / "tinyforge_cli_mutated_hello_world.tflite";
  host::write_file(mutated, bytes.data(), bytes.size());
  EXPECT_EQ(run("run " + mutated.string() + " --random 1 --json").exit_code, 1);
  const Result r = run("inspect " + mutated.string() + " --json");
  EXPECT_EQ(r.exit_code, 1);
  const nlohmann::json j = r.last_json();
  EXPECT_NE(j["error"].get<std::string>().find("FULLY_CONNECTED"), std::string::npos);
  ASSERT_EQ(j["ops"].size(), 3u);
  EXPECT_FALSE(j["ops"][0].contains("cannot_run"));
  EXPECT_EQ(j["ops"][0]["macs"], 16);
  EXPECT_TRUE(j["ops"][1]["macs"].is_null());
  EXPECT_NE(j["ops"][1].value("cannot_run", "").find("expects inputs"), std::string::npos);
  EXPECT_EQ(run("inspect " + mutated.string()).exit_code, 1) << "text mode";
  fs::remove(mutated);
}

// TFLite's FLOAT64, which the runtime cannot hold.
constexpr DataType kFloat64 = static_cast<DataType>(10);

// A model this build cannot run (a float64 constant, a custom operator) is listed whole, each
// part it cannot run marked with the reason, and the exit status says it cannot run.
TEST(Cli, InspectMarksEveryOperatorAndTensorItCannotRun) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 4});
  const int wide = b.add_constant_bytes(kFloat64, {4}, std::vector<uint8_t>(32, 0));
  const int relu = b.add_tensor(DataType::kFloat32, {1, 4});
  const int sum = b.add_tensor(DataType::kFloat32, {1, 4});
  const int out = b.add_tensor(DataType::kFloat32, {1, 4});
  b.add_op(tflite::BuiltinOperator::RELU, {in}, {relu});
  const auto add_options = tflite::CreateAddOptions(b.fbb()).Union();
  b.add_op(tflite::BuiltinOperator::ADD, {relu, wide}, {sum}, tflite::BuiltinOptions::AddOptions,
           add_options);
  b.add_custom_op("MY_SIGNAL_OP", {sum}, {out});
  const std::vector<uint8_t> bytes = b.finish();
  const fs::path path = fs::temp_directory_path() / "tinyforge_cli_cannot_run.tflite";
  host::write_file(path, bytes.data(), bytes.size());

  const Result r = run("inspect " + path.string() + " --json");
  EXPECT_EQ(r.exit_code, 1);
  const nlohmann::json j = r.last_json();
  EXPECT_NE(j["error"].get<std::string>().find("FLOAT64"), std::string::npos) << j["error"];
  ASSERT_EQ(j["ops"].size(), 3u);
  ASSERT_EQ(j["tensors"].size(), 5u);
  EXPECT_FALSE(j["ops"][0].contains("cannot_run"));
  const std::string add = j["ops"][1].value("cannot_run", "");
  EXPECT_NE(add.find("dtype FLOAT64 is not supported (input 1, tensor 1)"), std::string::npos)
      << add;
  EXPECT_NE(j["ops"][2].value("cannot_run", "").find("custom operator 'MY_SIGNAL_OP'"),
            std::string::npos);
  EXPECT_EQ(j["tensors"][1]["dtype"], "float64");
  EXPECT_EQ(j["tensors"][1]["cannot_run"], "dtype FLOAT64 is not supported");
  for (int t : {0, 2, 3, 4}) EXPECT_FALSE(j["tensors"][t].contains("cannot_run")) << t;
  EXPECT_EQ(j["cannot_run_ops"], 2);
  EXPECT_EQ(j["cannot_run_tensors"], 1);
  EXPECT_FALSE(j.contains("arena_bytes"));

  const Result text = run("inspect " + path.string());
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("#2 CUSTOM v1  in 3  out 4  CANNOT RUN: custom operator"),
            std::string::npos)
      << text.out;
  fs::remove(path);
}

// Tensor names are bytes: one that is not UTF-8 is replaced (U+FFFD) in the JSON, so inspect
// --json and run --json still print their object; the model itself runs.
TEST(Cli, JsonReplacesTensorNamesThatAreNotUtf8) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 4});
  const int out = b.add_tensor(DataType::kFloat32, {1, 4}, {}, "scores\xff\xc3");
  b.add_op(tflite::BuiltinOperator::RELU, {in}, {out});
  const std::vector<uint8_t> bytes = b.finish();
  const fs::path path = fs::temp_directory_path() / "tinyforge_cli_latin1_name.tflite";
  host::write_file(path, bytes.data(), bytes.size());
  const std::string replaced = "scores\xef\xbf\xbd\xef\xbf\xbd";
  const Result inspect = run("inspect " + path.string() + " --json");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out;
  EXPECT_EQ(inspect.last_json()["outputs"][0]["name"], replaced);
  const Result r = run("run " + path.string() + " --random 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.last_json()["outputs"][0]["name"], replaced);
  fs::remove(path);
}

}  // namespace
}  // namespace tinyforge::testing
