// examples/keyword-spotting/make_data.py and make_stream.py at a tiny size: the Speech
// Commands layout (folders, <speaker>_nohash_<k>.wav names, 1 s 16 kHz mono 16-bit clips),
// held-out speakers whose voice variants training never hears, words that are really in the
// clips and at the streams' truth times, and identical bytes for a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "tests/support/example_data.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTiny =
    "--keywords yes,no,stop --speakers 6 --repeats 1 --unknown-per-speaker 2 --silence 6 "
    "--background-seconds 2 --quiet";

ScriptResult make_data(const fs::path& out, const std::string& extra,
                       const std::string& size = kTiny) {
  return run_example_script("keyword-spotting/make_data.py",
                            "--out " + out.string() + " " + size + " " + extra);
}

std::string speaker_of(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.substr(0, name.find("_nohash_"));
}

TEST(KeywordData, SpeechCommandsLayoutOfOneSecondClips) {
  TINYFORGE_REQUIRE_TOOLS("espeak-ng", "sox");
  TempDir dir("kws_layout");
  const ScriptResult r = make_data(dir / "data", "--snr 20,30 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path data = dir / "data";
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(data))
    if (entry.is_directory()) folders.insert(entry.path().filename().string());
  EXPECT_EQ(folders, (std::set<std::string>{"yes", "no", "stop", "_unknown_", "_silence_",
                                            "_background_noise_"}));

  const std::regex clip_name("[0-9a-f]{8}_nohash_[0-9]+\\.wav");
  std::map<std::string, int> per_folder;
  for (const std::string& folder : {"yes", "no", "stop", "_unknown_", "_silence_"}) {
    for (const auto& entry : fs::directory_iterator(data / folder)) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(std::regex_match(name, clip_name)) << folder << "/" << name;
      const Wav wav = read_wav(entry.path());
      EXPECT_EQ(wav.sample_rate, 16000) << name;
      EXPECT_EQ(wav.channels, 1) << name;
      EXPECT_TRUE(wav.pcm16) << name;
      EXPECT_EQ(wav.samples.size(), 16000u) << name;
      // A word at 20-30 dB over the noise: its loudest 50 ms stand well above the quietest.
      // Noise alone (silence) is nearly flat.
      const auto e = window_energy_db(wav.samples, 0, wav.samples.size(), 800);
      const double range =
          *std::max_element(e.begin(), e.end()) - *std::min_element(e.begin(), e.end());
      if (folder == std::string("_silence_")) {
        EXPECT_LT(range, 10.0) << name;
      } else {
        EXPECT_GT(range, 12.0) << folder << "/" << name;
      }
      ++per_folder[folder];
    }
  }
  EXPECT_EQ(per_folder["yes"], 6);  // 6 speakers x 1 repeat
  EXPECT_EQ(per_folder["stop"], 6);
  EXPECT_EQ(per_folder["_unknown_"], 12);
  EXPECT_EQ(per_folder["_silence_"], 6);

  int background = 0;
  for (const auto& entry : fs::directory_iterator(data / "_background_noise_")) {
    if (entry.path().extension() != ".wav") continue;
    const Wav wav = read_wav(entry.path());
    EXPECT_EQ(wav.sample_rate, 16000);
    EXPECT_EQ(wav.samples.size(), 32000u) << entry.path();  // --background-seconds 2
    ++background;
  }
  EXPECT_GE(background, 4);
}

TEST(KeywordData, HeldOutListsKeepWholeSpeakersAndVoicesApart) {
  TINYFORGE_REQUIRE_TOOLS("espeak-ng", "sox");
  TempDir dir("kws_lists");
  const ScriptResult r = make_data(dir / "data", "--jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path data = dir / "data";
  std::map<std::string, std::string> split_of;  // clip -> validation / test
  for (const auto& [list, split] :
       {std::pair{"validation_list.txt", "validation"}, std::pair{"testing_list.txt", "test"}}) {
    const auto lines = read_lines(data / list);
    EXPECT_FALSE(lines.empty()) << list;
    std::set<std::string> folders;
    for (const std::string& line : lines) {
      EXPECT_TRUE(fs::is_regular_file(data / line)) << list << ": " << line;
      EXPECT_TRUE(split_of.emplace(line, split).second) << line << " is in both lists";
      folders.insert(line.substr(0, line.find('/')));
    }
    for (const char* folder : {"yes", "no", "stop", "_unknown_", "_silence_"})
      EXPECT_TRUE(folders.count(folder)) << list << " has no " << folder << " clip";
  }
  // Every clip of a speaker is in the same split.
  std::map<std::string, std::set<std::string>> splits_of_speaker;
  for (const auto& [path, contents] : read_tree(data)) {
    if (path.find("_nohash_") == std::string::npos) continue;
    const auto it = split_of.find(path);
    splits_of_speaker[speaker_of(path)].insert(it == split_of.end() ? "train" : it->second);
  }
  for (const auto& [speaker, splits] : splits_of_speaker)
    EXPECT_EQ(splits.size(), 1u) << speaker << " is in several splits";

  // speakers.csv: held-out speakers' espeak-ng variants are never a training speaker's.
  const Csv speakers = read_csv(data / "speakers.csv");
  ASSERT_EQ(speakers.header[0], "speaker");
  ASSERT_EQ(speakers.header[1], "split");
  ASSERT_EQ(speakers.header[2], "espeak_voice");
  std::map<std::string, std::set<std::string>> variants;
  for (const auto& row : speakers.rows) {
    variants[row[1]].insert(row[2].substr(row[2].find('+') + 1));
    ASSERT_TRUE(splits_of_speaker.count(row[0])) << row[0];
    EXPECT_EQ(*splits_of_speaker[row[0]].begin(), row[1]) << row[0];
  }
  EXPECT_EQ(speakers.rows.size(), 6u);
  for (const char* held : {"validation", "test"}) {
    ASSERT_FALSE(variants[held].empty()) << held;
    for (const std::string& v : variants[held]) EXPECT_FALSE(variants["train"].count(v)) << v;
  }
}

TEST(KeywordData, SameSeedSameBytesOtherSeedOtherData) {
  TINYFORGE_REQUIRE_TOOLS("espeak-ng", "sox");
  TempDir dir("kws_seed");
  const std::string tinier =
      "--keywords yes --speakers 3 --repeats 1 --unknown-per-speaker 1 --silence 3 "
      "--background-seconds 1 --quiet";
  ASSERT_EQ(make_data(dir / "a", "--seed 5 --jobs 1", tinier).exit_code, 0);
  ASSERT_EQ(make_data(dir / "b", "--seed 5 --jobs 2", tinier).exit_code, 0);
  ASSERT_EQ(make_data(dir / "c", "--seed 6 --jobs 2", tinier).exit_code, 0);
  const auto a = read_tree(dir / "a");
  EXPECT_EQ(a.size(), 3u + 3 + 3 + 6 + 3);  // clips, background files + README, lists, csv
  EXPECT_TRUE(a == read_tree(dir / "b")) << "--seed 5 wrote different files";
  EXPECT_FALSE(a == read_tree(dir / "c")) << "--seed 6 wrote the same files as --seed 5";
  // An existing output is kept unless --overwrite.
  const ScriptResult again = make_data(dir / "a", "--seed 6", tinier);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("--overwrite"), std::string::npos) << again.output;
  EXPECT_TRUE(a == read_tree(dir / "a"));
}

TEST(KeywordStream, KeywordsSoundAtTheTruthTimes) {
  TINYFORGE_REQUIRE_TOOLS("espeak-ng", "sox");
  TempDir dir("kws_stream");
  const ScriptResult r = run_example_script(
      "keyword-spotting/make_stream.py",
      "--out " + (dir / "s").string() +
          " --keywords yes,no --minutes 0.4 --negative-minutes 0.2 --snr 15,30 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& [name, seconds] : {std::pair{"keywords", 24}, std::pair{"negative", 12}}) {
    const Wav wav = read_wav(dir / "s" / (std::string(name) + ".wav"));
    EXPECT_EQ(wav.sample_rate, 16000);
    EXPECT_EQ(wav.channels, 1);
    EXPECT_TRUE(wav.pcm16);
    EXPECT_EQ(wav.samples.size(), size_t(seconds) * 16000);
    const Csv truth = read_csv(dir / "s" / (std::string(name) + ".csv"));
    EXPECT_EQ(truth.header, (std::vector<std::string>{"time_s", "word"}));
    ASSERT_GE(truth.rows.size(), 3u) << name;
    double previous = 0;
    int keywords = 0;
    for (const auto& row : truth.rows) {
      const double t = std::stod(row[0]);
      EXPECT_GT(t, previous);
      EXPECT_LT(t, seconds);
      previous = t;
      if (std::string(name) == "negative") {
        EXPECT_EQ(row[1], "_unknown_");
      } else {
        EXPECT_TRUE(row[1] == "yes" || row[1] == "no" || row[1] == "_unknown_") << row[1];
        keywords += row[1] != "_unknown_";
      }
      // The 200 ms after the onset are louder than the 200 ms before it.
      const size_t onset = size_t(t * 16000);
      const auto before = window_energy_db(wav.samples, onset - 3200, onset, 3200);
      const auto after = window_energy_db(wav.samples, onset, onset + 3200, 3200);
      ASSERT_EQ(before.size(), 1u);
      ASSERT_EQ(after.size(), 1u);
      EXPECT_GT(after[0], before[0] + 6.0) << name << " at " << t << " s";
    }
    if (std::string(name) == "keywords") EXPECT_GE(keywords, 3);
  }
}

}  // namespace
}  // namespace tinyforge::testing
