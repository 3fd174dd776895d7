// tinyforge export arduino: the library's layout, and its example sketch built as Arduino's
// builder builds it (tests/arduino/build-sketch) for Cortex-M4F and Cortex-M0+ and run under QEMU,
// printing what the host runtime computes for the same input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/require_qemu.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge {
namespace {
namespace fs = std::filesystem;

fs::path hello_world() {
  return testing::shared_dir() / "conformance/models/hello_world_int8.tflite";
}

std::string text_of(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ArduinoLibrary, WritesALibraryWithOnlyTheModelsKernels) {
  TINYFORGE_REQUIRE_SHARED();
  const host::TempDir temp("tinyforge-arduino-test-");
  const fs::path dir = temp.path() / "HelloWorld";
  const auto r = testing::run_cli("export arduino " + hello_world().string() + " -o " +
                                  dir.string() + " --zip --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  EXPECT_EQ(j["name"], "HelloWorld");
  EXPECT_EQ(j["ops"], nlohmann::json::array({"FULLY_CONNECTED"}));
  EXPECT_EQ(j["model_bytes"], fs::file_size(hello_world()));

  const std::string properties = text_of(dir / "library.properties");
  for (const char* field :
       {"name=HelloWorld\n", "version=", "author=", "maintainer=", "sentence=", "paragraph=",
        "category=", "architectures=*\n", "includes=TinyforgeModel.h\n"}) {
    EXPECT_NE(properties.find(field), std::string::npos) << field;
  }
  EXPECT_TRUE(fs::exists(dir / "src/TinyforgeModel.h"));
  EXPECT_TRUE(fs::exists(dir / "src/model_data.cpp"));
  EXPECT_TRUE(fs::exists(dir / "src/flatbuffers/flatbuffers.h"));
  EXPECT_TRUE(fs::exists(dir / "examples/sensor_inference/sensor_inference.ino"));
  // Only this model's kernels, and no .cc (Arduino's builder compiles .c, .cpp and .S only).
  EXPECT_TRUE(fs::exists(dir / "src/kernels/ref/fully_connected.cpp"));
  EXPECT_FALSE(fs::exists(dir / "src/kernels/ref/conv.cpp"));
  size_t sources = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "src")) {
    EXPECT_NE(entry.path().extension(), ".cc") << entry.path();
    if (entry.path().extension() == ".cpp" || entry.path().extension() == ".c") ++sources;
  }
  EXPECT_EQ(j["source_files"], sources);
  const std::string registry = text_of(dir / "src/kernel_registry.cpp");
  EXPECT_NE(registry.find("&kKernel_FULLY_CONNECTED,"), std::string::npos);
  EXPECT_EQ(registry.find("kKernel_CONV_2D"), std::string::npos);
  const std::string config = text_of(dir / "src/tinyforge_config.h");
  EXPECT_NE(config.find("#define TINYFORGE_WITH_FLOAT32 0"), std::string::npos);
  EXPECT_NE(
      config.find("#define TINYFORGE_ARENA_BYTES " + std::to_string(j["arena_bytes"].get<int>())),
      std::string::npos);

  // The zip holds the library folder, as the IDE's "Add .ZIP Library" expects.
  ASSERT_TRUE(fs::exists(temp.path() / "HelloWorld.zip"));
  const fs::path listing = temp.path() / "listing.txt";
  ASSERT_EQ(deploy::shell("unzip -l " + (temp.path() / "HelloWorld.zip").string() + " > " +
                          listing.string()),
            0);
  EXPECT_NE(text_of(listing).find("HelloWorld/library.properties"), std::string::npos);

  // A second export replaces the first; a directory that is not an export is refused.
  EXPECT_EQ(testing::run_cli("export arduino " + hello_world().string() + " -o " + dir.string())
                .exit_code,
            0);
  const fs::path other = temp.path() / "other";
  fs::create_directories(other);
  std::ofstream(other / "keep.txt") << "mine";
  const auto refused = testing::run_cli("export arduino " + hello_world().string() + " -o " +
                                        other.string() + " --json");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.last_json()["error"].get<std::string>().find("not a library"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(other / "keep.txt"));
  const auto bad_name = testing::run_cli("export arduino " + hello_world().string() + " -o " +
                                         deploy::shell_quote((temp.path() / "bad name!").string()));
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_FALSE(fs::exists(temp.path() / "bad name!"));
}

// What the sketch prints for hello_world: its stand-in sensor reads 0 for element 0, quantized as
// TinyforgeModel::set_input quantizes it, run by the host runtime.
std::string expected_output_line() {
  const host::ModelFile file(hello_world());
  const TensorView in = file.model().tensor(file.model().input_tensor(0));
  const TensorView out = file.model().tensor(file.model().output_tensor(0));
  const int8_t q = static_cast<int8_t>(0 + in.zero_point());
  const auto result =
      testing::run_model(host::read_file(hello_world()), {{static_cast<uint8_t>(q)}});
  EXPECT_EQ(result.status, Status::kOk) << result.message;
  const float value = (static_cast<int8_t>(result.outputs[0][0]) - out.zero_point()) * out.scale();
  char line[64];
  std::snprintf(line, sizeof(line), "output: %.4f\ntop: 0 \n", value);
  return line;
}

class ArduinoSketch : public ::testing::TestWithParam<const char*> {};

TEST_P(ArduinoSketch, BuildsAsArduinoDoesAndRunsUnderQemu) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const host::TempDir temp("tinyforge-arduino-sketch-");
  const fs::path dir = temp.path() / "HelloWorld";
  const auto exported = testing::run_cli("export arduino " + hello_world().string() + " -o " +
                                         dir.string() + " --json");
  ASSERT_EQ(exported.exit_code, 0);
  const fs::path build = temp.path() / "build";
  const fs::path log = temp.path() / "build.log";
  const fs::path script = fs::path(TINYFORGE_SOURCE_DIR) / "tests/arduino/build-sketch";
  const int status =
      deploy::shell("bash " + script.string() + " " + dir.string() + " " + GetParam() + " " +
                    build.string() + " > " + log.string() + " 2>&1");
  ASSERT_EQ(status, 0) << text_of(log);
  const auto run = deploy::run_qemu(deploy::board_info("mps2-an386"), build / "sketch.elf", "", 60);
  ASSERT_EQ(run.exit_code, 0) << run.console;
  // setup() reports the arena; each of the stand-in core's two loop() calls prints the output.
  const std::string expected = expected_output_line();
  EXPECT_EQ(run.console, "arena bytes: " + exported.last_json()["arena_bytes"].dump() + "\n" +
                             expected + expected);
}

INSTANTIATE_TEST_SUITE_P(Cores, ArduinoSketch, ::testing::Values("m4f", "m0plus"));

}  // namespace
}  // namespace tinyforge
