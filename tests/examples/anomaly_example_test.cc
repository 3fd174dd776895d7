// examples/anomaly end to end at a reduced size, as its README tells a user: generate machine
// sounds, train the example project on them (normal clips only), convert to int8, hold the
// README's quality floor, and stream a recording (normal, then faulty) through the firmware on
// mps2-an386: the device's int8 decisions must be the host's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/board_stream.h"
#include "tests/support/cli_runner.h"
#include "tests/support/example_data.h"
#include "tests/support/require_qemu.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

// examples/anomaly/README.md, "Quality floor": at the CI size below.
constexpr double kCiRocAucFloor = 0.8;

const std::string kProject = std::string(TINYFORGE_SOURCE_DIR) + "/examples/anomaly/anomaly.yaml";

// One machine, 80 normal and 8 clearly faulty 2 s clips (a few seconds).
void make_data(const fs::path& out) {
  const ScriptResult r = run_example_script(
      "anomaly/make_data.py", "--out " + out.string() +
                                  " --machines 1 --normal 80 --anomalies 8 --severity 0.7,1 "
                                  "--quiet --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST(AnomalyExample, TrainsConvertsAndStreamsTheSameDecisionsOnMps2An386) {
  TINYFORGE_REQUIRE_TOOLS("sox");
  TempDir dir("anomaly_example");
  ASSERT_NO_FATAL_FAILURE(make_data(dir / "data"));

  const CliResult train = run_cli("train " + kProject + " --data " + (dir / "data").string() +
                                  " --out " + (dir / "run").string() + " --json");
  ASSERT_EQ(train.exit_code, 0) << train.out;
  const auto t = train.last_json();
  EXPECT_EQ(t["normal_class"], "normal");
  // The 8 anomalous clips: 2 drawn for test, 1 for validation, and the 5 the split put in train
  // moved out of it (3 to test, 2 to validation, in the fractions' proportion).
  EXPECT_EQ(t["anomalies"], 5) << t.dump();
  EXPECT_EQ(t["clips"].get<int>(), t["anomalies"].get<int>() + t["normals"].get<int>());
  EXPECT_GE(t["roc_auc"].get<double>(), kCiRocAucFloor) << t.dump();
  EXPECT_EQ(t["threshold_split"], "validation");
  ASSERT_TRUE(t["threshold"].is_number());
  EXPECT_TRUE(t["pauc"].is_number());
  EXPECT_TRUE(t["precision"].is_number());

  const fs::path int8 = dir / "run" / "model_int8.tflite";
  const CliResult convert = run_cli("convert " + (dir / "run" / "model.tfm").string() +
                                    " --int8 -o " + int8.string() + " --json");
  ASSERT_EQ(convert.exit_code, 0) << convert.out;
  const auto c = convert.last_json();
  EXPECT_GE(c["float_roc_auc"].get<double>(), kCiRocAucFloor) << c.dump();
  EXPECT_GE(c["quantized_roc_auc"].get<double>(), kCiRocAucFloor) << c.dump();
  EXPECT_NEAR(c["quantized_roc_auc"].get<double>(), c["float_roc_auc"].get<double>(), 0.1);
  ASSERT_TRUE(c["threshold"].is_number());

  // A recording of the machine: three normal clips, then two faulty ones.
  const fs::path rec = dir / "rec.wav";
  std::string clips;
  for (const char* name : {"normal/id00_normal_0000.wav", "normal/id00_normal_0001.wav",
                           "normal/id00_normal_0002.wav"})
    clips += (dir / "data" / name).string() + " ";
  for (const auto& entry : fs::directory_iterator(dir / "data" / "anomaly")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("id00_bearing_", 0) == 0 || name.rfind("id00_rubbing_", 0) == 0)
      clips += entry.path().string() + " ";
  }
  ASSERT_EQ(std::system(("sox " + clips + rec.string()).c_str()), 0);

  const std::string args = "stream " + int8.string() + " --app anomaly --features " +
                           (dir / "run" / "features.tflite").string() + " --input " + rec.string() +
                           " --json";
  const CliResult host = run_cli(args);
  ASSERT_EQ(host.exit_code, 0) << host.out;
  const auto h = host.last_json();
  // The settings come from the model's metadata: its threshold, a clip's worth of inferences.
  EXPECT_NEAR(h["settings"]["thresholds"]["anomaly"].get<double>(), c["threshold"].get<double>(),
              1e-4);
  EXPECT_EQ(h["settings"]["average_count"], 26);  // (30 frames - 5) / 1 + 1 windows of a 2 s clip
  ASSERT_FALSE(h["events"].empty()) << h.dump();

  if (!have_qemu_tools()) {
    if (running_in_ci()) FAIL() << "CI=true but QEMU or the Arm toolchain is missing";
    GTEST_SKIP() << "QEMU or arm-none-eabi-gcc not installed; the board run is skipped";
  }
  expect_board_events_match_host(args, h);
}

TEST(AnomalyExample, ANormalClassThatIsNotInTheDataIsRefusedWhenTheDataLoads) {
  TINYFORGE_REQUIRE_TOOLS("sox");
  TempDir dir("anomaly_normal_class");
  const ScriptResult r = run_example_script(
      "anomaly/make_data.py",
      "--out " + (dir / "data").string() + " --machines 1 --normal 2 --anomalies 1 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(kProject);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "normal_class: normal";
  ASSERT_NE(text.find(key), std::string::npos);
  text.replace(text.find(key), key.size(), "normal_class: healthy");
  const fs::path project = dir / "p.yaml";
  std::ofstream(project) << text;
  const CliResult train =
      run_cli("train " + project.string() + " --data " + (dir / "data").string() + " --out " +
              (dir / "run").string() + " --json");
  EXPECT_EQ(train.exit_code, 1);
  const std::string error = train.last_json()["error"];
  EXPECT_NE(error.find("training.normal_class: 'healthy' is not a class of the data"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("anomaly, normal"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir / "run"));
}

}  // namespace
}  // namespace tinyforge::testing
