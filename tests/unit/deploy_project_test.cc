// `tinyforge deploy -o DIR` writes a self-contained firmware project (issue 12): it holds the
// sources it builds from, refers to no checkout, builds and runs after the checkout is gone, and
// the build reports its progress.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/require_qemu.h"
#include "tests/support/stream_models.h"
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/deploy/stream_input.h"
#include "toolkit/deploy/stream_runner.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tinyforge_deploy_project_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Deploys from a copy of the checkout, deletes that copy, moves the project and builds it from
// scratch; the image runs a CSV stream to the events the host computes.
TEST(DeployProject, BuildsAndRunsAfterTheCheckoutIsGone) {
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = temp_dir("moved");
  const fs::path checkout = dir / "checkout";
  fs::create_directories(checkout);
  for (const char* part : {"runtime", "firmware", "cmake", "schema"}) {
    fs::copy(deploy::source_root() / part, checkout / part, fs::copy_options::recursive);
  }
  const auto model = write_model(dir / "gesture.tflite", level_classifier({1, 20, 3}, 3));
  deploy::DeployOptions options;
  options.app = deploy::AppOptions();
  options.app->app = "gesture";
  options.app->labels = {"idle", "up", "down"};
  ASSERT_EQ(::setenv("TINYFORGE_SOURCE_DIR", checkout.c_str(), 1), 0);
  const auto report = deploy::deploy_model(model, "mps2-an386", dir / "project", options);
  ::unsetenv("TINYFORGE_SOURCE_DIR");
  EXPECT_TRUE(report.fits);
  ASSERT_TRUE(report.app.has_value());
  fs::remove_all(checkout);

  const fs::path moved = dir / "elsewhere" / "project";
  fs::create_directories(moved.parent_path());
  fs::rename(dir / "project", moved);
  fs::remove_all(moved / "build");
  for (const auto& entry : fs::recursive_directory_iterator(moved)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(deploy::read_text(entry.path()).find(checkout.string()), std::string::npos)
        << entry.path() << " names the checkout";
  }
  EXPECT_TRUE(fs::exists(moved / "tinyforge" / "runtime" / "src" / "core" / "interpreter.cc"));
  // Only the model's kernels: FULLY_CONNECTED is there, CONV_2D is not.
  EXPECT_TRUE(fs::exists(moved / "tinyforge/runtime/src/kernels/ref/fully_connected.cc"));
  EXPECT_FALSE(fs::exists(moved / "tinyforge/runtime/src/kernels/ref/conv.cc"));
  const std::string log = (dir / "build.log").string();
  ASSERT_EQ(deploy::shell("cmake -S " + deploy::shell_quote(moved.string()) + " -B " +
                          deploy::shell_quote((moved / "build").string()) + " -G Ninja > " + log +
                          " 2>&1 && cmake --build " +
                          deploy::shell_quote((moved / "build").string()) + " >> " + log + " 2>&1"),
            0)
      << deploy::read_text(log);

  write_level_csv(dir / "rec.csv", {{0.0f, 150}, {1.0f, 100}, {0.0f, 150}});
  const host::ModelFile file(model);
  const auto samples = deploy::read_stream_input(dir / "rec.csv", *report.app);
  host::write_file(dir / "samples.bin", samples.bytes.data(), samples.bytes.size());
  const auto run =
      deploy::run_qemu(deploy::board_info("mps2-an386"), moved / "build" / "tinyforge_app.elf",
                       (dir / "samples.bin").string(), 120);
  ASSERT_EQ(run.exit_code, 0) << run.console;
  const auto events = deploy::parse_event_lines(run.console);
  ASSERT_EQ(events.size(), 1u) << run.console;
  EXPECT_EQ(events[0].label, "up");
  EXPECT_EQ(events, deploy::stream_on_host(file, nullptr, *report.app, samples).events);
}

// The command line: progress on stderr while the firmware builds, the application's settings in
// the JSON, a plain deploy, and stream settings without --app refused before anything is
// written.
TEST(DeployProject, CommandReportsProgressAndSettings) {
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = temp_dir("cli");
  const auto model = write_model(dir / "gesture.tflite", level_classifier({1, 20, 3}, 3));
  const std::string command = std::string(TINYFORGE_CLI) + " deploy " + model.string() +
                              " --app gesture --labels idle,up,down --stride 5 -o " +
                              (dir / "project").string() + " --json > " +
                              (dir / "out.txt").string() + " 2> " + (dir / "err.txt").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << deploy::read_text(dir / "err.txt");
  const std::string progress = deploy::read_text(dir / "err.txt");
  EXPECT_NE(progress.find("tinyforge: building the firmware "), std::string::npos) << progress;
  const std::string out = deploy::read_text(dir / "out.txt");
  const auto j = CliResult{0, out}.last_json();
  EXPECT_EQ(j["app"]["stride"], 5);
  EXPECT_EQ(j["app"]["window"], 20);
  EXPECT_EQ(j["app"]["axes"], 3);
  EXPECT_TRUE(j["fits"].get<bool>());

  // Without --app: the one-inference image, from the project's own copy of the sources.
  const CliResult plain =
      run_cli("deploy " + model.string() + " -o " + (dir / "plain").string() + " --json");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_FALSE(plain.last_json().contains("app"));
  EXPECT_NE(deploy::read_text(dir / "plain" / "CMakeLists.txt")
                .find("${CMAKE_CURRENT_LIST_DIR}/tinyforge/firmware/apps/model_app.cc"),
            std::string::npos);

  const CliResult refused = run_cli("deploy " + model.string() + " --labels a,b,c -o " +
                                    (dir / "refused").string() + " --json");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.last_json()["error"].get<std::string>().find("need --app"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "refused"));
}

}  // namespace
}  // namespace tinyforge::testing
