// The `tinyforge` program as scripts use it: DESIGN.md's command-line contract (tensor files,
// --random, --json keys on the last line, non-zero exit with {"error": ...}).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"

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

}  // namespace
}  // namespace tinyforge::testing
