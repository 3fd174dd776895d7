// examples/gestures/make_data.py and make_stream.py at a tiny size: one folder of t,ax,ay,az
// CSV recordings per gesture, rows at the sample rate, gravity in the readings (1 g at rest),
// gestures that move differently, a stream whose truth matches its length, and identical bytes
// for a seed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "tests/support/example_data.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kHeader = {"t", "ax", "ay", "az"};

struct Motion {
  double mean_g = 0;  // mean magnitude of the readings
  double sd_g = 0;    // standard deviation of the magnitude
};

// Checks the rows (time steps of 1/rate from 0, three finite readings within the sensor's
// range) and returns the magnitude's statistics.
Motion check_rows(const Csv& csv, double rate, const std::string& what) {
  EXPECT_EQ(csv.header, kHeader) << what;
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < csv.rows.size(); ++i) {
    const auto& row = csv.rows[i];
    if (row.size() != 4) {
      ADD_FAILURE() << what << ": row " << i + 2 << " has " << row.size() << " fields";
      break;
    }
    EXPECT_NEAR(std::stod(row[0]), double(i) / rate, 1e-4) << what << " row " << i + 2;
    double m2 = 0;
    for (int c = 1; c <= 3; ++c) {
      const double v = std::stod(row[c]);
      EXPECT_TRUE(std::isfinite(v) && std::abs(v) <= 8.0) << what << " row " << i + 2;
      m2 += v * v;
    }
    sum += std::sqrt(m2);
    sum2 += m2;
  }
  const double n = double(csv.rows.size());
  return {sum / n, std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)))};
}

ScriptResult make_data(const fs::path& out, const std::string& extra) {
  return run_example_script("gestures/make_data.py", "--out " + out.string() +
                                                         " --persons 3 --recordings 2 "
                                                         "--seconds 3,4 --quiet " +
                                                         extra);
}

TEST(GestureData, OneFolderOfCsvRecordingsPerGesture) {
  TINYFORGE_REQUIRE_TOOLS();
  TempDir dir("gestures_layout");
  const ScriptResult r = make_data(dir / "data", "--rate 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::regex name("(idle|wave|circle|shake|updown)/p0[0-2]_00[01]\\.csv");
  std::map<std::string, int> recordings;
  std::map<std::string, Motion> idle_or_shake;
  for (const auto& [path, bytes] : read_tree(dir / "data")) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(path, m, name)) << path;
    ++recordings[m[1]];
    const Csv csv = read_csv(dir / "data" / path);
    EXPECT_GE(csv.rows.size(), 150u) << path;  // 3-4 s at 50 Hz
    EXPECT_LE(csv.rows.size(), 200u) << path;
    const Motion motion = check_rows(csv, 50.0, path);
    if (m[1] == "idle") {
      EXPECT_NEAR(motion.mean_g, 1.0, 0.1) << path << ": at rest the sensor reads gravity";
      EXPECT_LT(motion.sd_g, 0.1) << path;
    }
    if (m[1] == "shake") EXPECT_GT(motion.sd_g, 0.4) << path;
  }
  EXPECT_EQ(recordings, (std::map<std::string, int>{
                            {"idle", 6}, {"wave", 6}, {"circle", 6}, {"shake", 6}, {"updown", 6}}));
}

TEST(GestureData, SameSeedSameBytes) {
  TINYFORGE_REQUIRE_TOOLS();
  TempDir dir("gestures_seed");
  ASSERT_EQ(make_data(dir / "a", "--seed 2 --gestures idle,circle").exit_code, 0);
  ASSERT_EQ(make_data(dir / "b", "--seed 2 --gestures idle,circle").exit_code, 0);
  ASSERT_EQ(make_data(dir / "c", "--seed 3 --gestures idle,circle").exit_code, 0);
  const auto a = read_tree(dir / "a");
  EXPECT_EQ(a.size(), 12u);
  EXPECT_TRUE(a == read_tree(dir / "b"));
  EXPECT_FALSE(a == read_tree(dir / "c"));
}

TEST(GestureStream, TruthCoversTheStreamWithChanges) {
  TINYFORGE_REQUIRE_TOOLS();
  TempDir dir("gestures_stream");
  const ScriptResult r = run_example_script(
      "gestures/make_stream.py", "--out " + (dir / "s").string() + " --minutes 0.5 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Csv stream = read_csv(dir / "s" / "stream.csv");
  EXPECT_EQ(stream.rows.size(), 3000u);  // 30 s at 100 Hz
  check_rows(stream, 100.0, "stream.csv");
  const Csv truth = read_csv(dir / "s" / "truth.csv");
  EXPECT_EQ(truth.header, (std::vector<std::string>{"time_s", "gesture"}));
  ASSERT_GE(truth.rows.size(), 3u);  // 4-12 s segments in 30 s
  EXPECT_EQ(std::stod(truth.rows[0][0]), 0.0);
  const std::set<std::string> known = {"idle", "wave", "circle", "shake", "updown"};
  for (size_t i = 0; i < truth.rows.size(); ++i) {
    EXPECT_TRUE(known.count(truth.rows[i][1])) << truth.rows[i][1];
    if (i == 0) continue;
    EXPECT_NE(truth.rows[i][1], truth.rows[i - 1][1]) << "row " << i + 2 << " changes nothing";
    const double gap = std::stod(truth.rows[i][0]) - std::stod(truth.rows[i - 1][0]);
    EXPECT_GE(gap, 4.0 - 1e-9);
    EXPECT_LE(gap, 12.0 + 1e-9);
  }
}

}  // namespace
}  // namespace tinyforge::testing
