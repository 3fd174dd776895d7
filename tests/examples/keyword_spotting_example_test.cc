// examples/keyword-spotting end to end at CI size, as its README tells a user to run it:
// synthesized speech (espeak-ng, sox) in Speech Commands' layout, `train` of the example project
// on it (--data; MFCC frames through the runtime's signal kernels, DS-CNN), `convert --int8`, and
// the stream application on a recording by held-out voices, on the host and under QEMU. The
// quality floors are the README's.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "tests/support/board_stream.h"
#include "tests/support/cli_runner.h"
#include "tests/support/example_data.h"
#include "tests/support/require_qemu.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

// The floors examples/keyword-spotting/README.md states for this size.
constexpr double kTestFloorPct = 75.0;
constexpr double kHitFloor = 0.6;    // share of the stream's keywords that fire, on time
constexpr int kFalseAcceptsMax = 3;  // events on 15 s of other words and noise

// Keyword onsets (time_s, word) of make_stream.py's CSV.
std::vector<std::pair<double, std::string>> keyword_onsets(const fs::path& csv) {
  std::vector<std::pair<double, std::string>> onsets;
  for (const auto& row : read_csv(csv).rows)
    if (row[1] != "_unknown_") onsets.emplace_back(std::stod(row[0]), row[1]);
  return onsets;
}

TEST(KeywordSpottingExample, TrainsConvertsAndStreamsTheSameDecisionsOnHostAndBoard) {
  TINYFORGE_REQUIRE_TOOLS("/usr/bin/python3", "espeak-ng", "sox");
  TINYFORGE_REQUIRE_QEMU();
  const TempDir dir("kws_example");
  const fs::path data = dir / "data", run = dir / "run", stream = dir / "stream";
  ScriptResult made = run_example_script(
      "keyword-spotting/make_data.py",
      "--out " + data.string() +
          " --keywords yes,no --speakers 40 --repeats 2 --unknown-per-speaker 2 --silence 40 "
          "--background-seconds 10 --jobs 2 --quiet");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  made = run_example_script("keyword-spotting/make_stream.py",
                            "--out " + stream.string() +
                                " --keywords yes,no --minutes 0.5 --negative-minutes 0.25 --quiet");
  ASSERT_EQ(made.exit_code, 0) << made.output;

  const std::string project =
      std::string(TINYFORGE_SOURCE_DIR) + "/examples/keyword-spotting/kws.yaml";
  const CliResult trained = run_cli("train " + project + " --data " + data.string() + " --out " +
                                    run.string() + " --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const auto t = trained.last_json();
  EXPECT_EQ(t["evaluated_split"], "test");  // testing_list.txt: held-out voices
  EXPECT_GE(t["test_accuracy_pct"].get<double>(), kTestFloorPct) << t.dump();

  const fs::path int8 = run / "model_int8.tflite";
  const CliResult converted = run_cli("convert " + (run / "model.tfm").string() + " --int8 -o " +
                                      int8.string() + " --json");
  ASSERT_EQ(converted.exit_code, 0) << converted.out;
  EXPECT_GE(converted.last_json()["quantized_accuracy_pct"].get<double>(), kTestFloorPct)
      << converted.out;

  const std::string stream_args = "stream " + int8.string() + " --app kws --features " +
                                  (run / "features.tflite").string() + " --json -i ";
  const CliResult host = run_cli(stream_args + (stream / "keywords.wav").string());
  ASSERT_EQ(host.exit_code, 0) << host.out;
  const auto h = host.last_json();
  // A keyword is heard when its event fires within 1.5 s of its onset.
  const auto onsets = keyword_onsets(stream / "keywords.csv");
  ASSERT_FALSE(onsets.empty());
  int heard = 0;
  for (const auto& [at, word] : onsets) {
    for (const auto& e : h["events"]) {
      const double t_s = e["time_ms"].get<double>() / 1000.0;
      if (e["label"] == word && t_s >= at && t_s <= at + 1.5) {
        ++heard;
        break;
      }
    }
  }
  EXPECT_GE(heard, kHitFloor * static_cast<double>(onsets.size())) << h.dump();
  const CliResult negative = run_cli(stream_args + (stream / "negative.wav").string());
  ASSERT_EQ(negative.exit_code, 0) << negative.out;
  EXPECT_LE(negative.last_json()["events"].size(), static_cast<size_t>(kFalseAcceptsMax))
      << negative.out;

  const auto b =
      expect_board_events_match_host(stream_args + (stream / "keywords.wav").string(), h);
  ASSERT_FALSE(b.is_null());
  EXPECT_GT(b["worst_window_instructions"].get<double>(), 0);
}

}  // namespace
}  // namespace tinyforge::testing
