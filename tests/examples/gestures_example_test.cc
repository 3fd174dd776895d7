// examples/gestures end to end at CI size, as its README tells a user to run it: generated
// recordings, `train` of the example project on them (--data), `convert --int8`, and the stream
// application on a recording by a person not in the data, on the host and under QEMU. The
// quality floors are the README's.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/board_stream.h"
#include "tests/support/cli_runner.h"
#include "tests/support/example_data.h"
#include "tests/support/require_qemu.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

// The floors examples/gestures/README.md states for this size.
constexpr double kFloatFloorPct = 85.0;
constexpr double kInt8FloorPct = 85.0;
constexpr double kStreamHitFloor = 0.6;  // share of the stream's gestures whose event fires

TEST(GesturesExample, TrainsConvertsAndStreamsTheSameDecisionsOnHostAndBoard) {
  TINYFORGE_REQUIRE_TOOLS("/usr/bin/python3");
  TINYFORGE_REQUIRE_QEMU();
  const TempDir dir("gestures_example");
  const fs::path data = dir / "data", run = dir / "run", stream = dir / "stream";
  ScriptResult made = run_example_script(
      "gestures/make_data.py",
      "--out " + data.string() + " --persons 8 --recordings 2 --seconds 4,5 --quiet");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  made = run_example_script("gestures/make_stream.py",
                            "--out " + stream.string() + " --minutes 0.75 --quiet");
  ASSERT_EQ(made.exit_code, 0) << made.output;

  const std::string project =
      std::string(TINYFORGE_SOURCE_DIR) + "/examples/gestures/gestures.yaml";
  const CliResult trained = run_cli("train " + project + " --data " + data.string() + " --out " +
                                    run.string() + " --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const auto t = trained.last_json();
  EXPECT_EQ(t["evaluated_split"], "test");
  EXPECT_GE(t["test_accuracy_pct"].get<double>(), kFloatFloorPct) << t.dump();
  ASSERT_TRUE(fs::exists(run / "features.tflite"));

  const fs::path int8 = run / "model_int8.tflite";
  const CliResult converted = run_cli("convert " + (run / "model.tfm").string() + " --int8 -o " +
                                      int8.string() + " --json");
  ASSERT_EQ(converted.exit_code, 0) << converted.out;
  EXPECT_GE(converted.last_json()["quantized_accuracy_pct"].get<double>(), kInt8FloorPct)
      << converted.out;

  const std::string args = "stream " + int8.string() + " --app gesture --features " +
                           (run / "features.tflite").string() + " -i " +
                           (stream / "stream.csv").string() + " --json";
  const CliResult host = run_cli(args);
  ASSERT_EQ(host.exit_code, 0) << host.out;
  const auto h = host.last_json();
  // A gesture counts as recognised when an event of its label fires while it is performed.
  const Csv truth = read_csv(stream / "truth.csv");
  const double seconds = h["seconds"].get<double>();
  int performed = 0, recognised = 0;
  for (size_t i = 0; i < truth.rows.size(); ++i) {
    const std::string gesture = truth.rows[i][1];
    if (gesture == "idle") continue;
    const double begin = std::stod(truth.rows[i][0]);
    const double end = i + 1 < truth.rows.size() ? std::stod(truth.rows[i + 1][0]) : seconds;
    ++performed;
    for (const auto& e : h["events"]) {
      const double at = e["time_ms"].get<double>() / 1000.0;
      if (e["label"] == gesture && at >= begin && at <= end + 1.0) {
        ++recognised;
        break;
      }
    }
  }
  ASSERT_GT(performed, 0);
  EXPECT_GE(recognised, kStreamHitFloor * performed) << h.dump();
  EXPECT_NEAR(seconds, 45.0, 1.0);

  const auto b = expect_board_events_match_host(args, h);
  ASSERT_FALSE(b.is_null());
  EXPECT_GT(b["headroom_pct"].get<double>(), 90.0);
}

}  // namespace
}  // namespace tinyforge::testing
