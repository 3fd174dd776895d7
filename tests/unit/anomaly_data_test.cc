// examples/anomaly/make_data.py at a tiny size: normal/ and anomaly/ class folders of fixed-length
// 16 kHz mono 16-bit clips, the machine id, fault kind and severity in every anomaly's name, no
// two clips alike, the faults really changing the sound, and identical bytes for a seed.
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

ScriptResult make_data(const fs::path& out, const std::string& extra) {
  return run_example_script("anomaly/make_data.py",
                            "--out " + out.string() + " --normal 3 --anomalies 4 --quiet " + extra);
}

TEST(AnomalyData, ClassFoldersNamedByMachineFaultAndSeverity) {
  TINYFORGE_REQUIRE_TOOLS("sox");
  TempDir dir("anomaly_layout");
  const ScriptResult r =
      make_data(dir / "data", "--machines 2 --seconds 1 --severity 0.3,0.8 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto files = read_tree(dir / "data");
  const std::regex normal("normal/(id0[01])_normal_[0-9]{4}\\.wav");
  const std::regex anomaly(
      "anomaly/(id0[01])_(bearing|imbalance|harmonic|rubbing)_sev([0-9]+)_"
      "[0-9]{4}\\.wav");
  std::map<std::string, int> per_machine;
  std::set<std::string> faults, contents;
  for (const auto& [path, bytes] : files) {
    std::smatch m;
    if (std::regex_match(path, m, normal)) {
      ++per_machine[m[1].str() + " normal"];
    } else if (std::regex_match(path, m, anomaly)) {
      ++per_machine[m[1].str() + " anomaly"];
      faults.insert(m[2]);
      const int severity = std::stoi(m[3]);
      EXPECT_GE(severity, 30) << path;
      EXPECT_LE(severity, 80) << path;
    } else {
      ADD_FAILURE() << "unexpected file " << path;
      continue;
    }
    EXPECT_TRUE(contents.insert(bytes).second) << path << " repeats another clip";
    const Wav wav = read_wav(dir / "data" / path);
    EXPECT_EQ(wav.sample_rate, 16000) << path;
    EXPECT_EQ(wav.channels, 1) << path;
    EXPECT_TRUE(wav.pcm16) << path;
    EXPECT_EQ(wav.samples.size(), 16000u) << path;
  }
  EXPECT_EQ(per_machine,
            (std::map<std::string, int>{
                {"id00 normal", 3}, {"id00 anomaly", 4}, {"id01 normal", 3}, {"id01 anomaly", 4}}));
  EXPECT_EQ(faults, (std::set<std::string>{"bearing", "imbalance", "harmonic", "rubbing"}));
}

// Energy above 2 kHz relative to the whole clip (dB), from first differences: differencing
// boosts high frequencies, so the ratio of their energies tracks the high band's share.
double brightness_db(const std::vector<int16_t>& s) {
  double all = 0, diff = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    all += double(s[i]) * s[i];
    diff += double(s[i] - s[i - 1]) * (s[i] - s[i - 1]);
  }
  return 10 * std::log10(diff / all);
}

TEST(AnomalyData, SevereBearingFaultsRingAboveTheNormalSound) {
  TINYFORGE_REQUIRE_TOOLS("sox");
  TempDir dir("anomaly_bearing");
  const ScriptResult r = run_example_script(
      "anomaly/make_data.py", "--out " + (dir / "d").string() +
                                  " --machines 1 --normal 3 --anomalies 3 --faults bearing "
                                  "--severity 1,1 --seconds 1 --quiet --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  double brightest_normal = -1e9, dullest_fault = 1e9;
  for (const auto& entry : fs::directory_iterator(dir / "d" / "normal"))
    brightest_normal = std::max(brightest_normal, brightness_db(read_wav(entry.path()).samples));
  for (const auto& entry : fs::directory_iterator(dir / "d" / "anomaly"))
    dullest_fault = std::min(dullest_fault, brightness_db(read_wav(entry.path()).samples));
  EXPECT_GT(dullest_fault, brightest_normal + 3.0);
}

TEST(AnomalyData, SameSeedSameBytes) {
  TINYFORGE_REQUIRE_TOOLS("sox");
  TempDir dir("anomaly_seed");
  const std::string small = " --machines 1 --seconds 0.5";
  ASSERT_EQ(make_data(dir / "a", "--seed 3 --jobs 1" + small).exit_code, 0);
  ASSERT_EQ(make_data(dir / "b", "--seed 3 --jobs 2" + small).exit_code, 0);
  ASSERT_EQ(make_data(dir / "c", "--seed 4 --jobs 2" + small).exit_code, 0);
  const auto a = read_tree(dir / "a");
  EXPECT_EQ(a.size(), 7u);
  EXPECT_TRUE(a == read_tree(dir / "b"));
  EXPECT_FALSE(a == read_tree(dir / "c"));
}

}  // namespace
}  // namespace tinyforge::testing
