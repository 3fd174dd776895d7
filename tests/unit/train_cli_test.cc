// `tinyforge train`, `eval` and `data inspect` end to end on a small CSV dataset written here:
// the JSON contract keys, the files in --out, eval reproducing train's test figures, exact
// resume, and errors as {"error": ...} with a non-zero exit.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "toolkit/train/checkpoint.h"

namespace {

namespace fs = std::filesystem;

using Result = tinyforge::testing::CliResult;
inline Result run(const std::string& args) { return tinyforge::testing::run_cli(args); }

class TrainCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tinyforge_train_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    // Three classes around different centres in 3 features.
    std::ofstream csv(dir_ / "data.csv");
    csv << "a,b,c,label\n";
    std::mt19937_64 rng(1);
    for (int i = 0; i < 300; ++i) {
      const int label = i % 3;
      float x[3];
      for (int k = 0; k < 3; ++k)
        x[k] = (k == label ? 2.0f : 0.0f) + static_cast<float>(rng() % 1000) / 1000.0f;
      csv << x[0] << "," << x[1] << "," << x[2] << ","
          << "abc"[label] << "\n";
    }
    std::ofstream(dir_ / "p.yaml") << R"(name: tiny
data:
  format: csv
  path: data.csv
  csv: {label_column: label}
  splits: {validation: 0.2, test: 0.2}
model:
  zoo: mlp
  hidden: [8]
training:
  epochs: 3
  batch_size: 16
  seed: 3
  optimizer: {name: adam, learning_rate: 0.01}
output:
  dir: out
)";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string project() const { return (dir_ / "p.yaml").string(); }
  fs::path dir_;
};

TEST_F(TrainCli, TrainWritesModelAndLogAndPrintsTheContract) {
  const fs::path out = dir_ / "run";
  const Result r = run("train " + project() + " --epochs 2 --out " + out.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  for (const char* key : {"test_accuracy_pct", "test_loss", "seconds_per_epoch", "model_file",
                          "precision", "recall", "f1", "roc_auc", "confusion_matrix"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["seconds_per_epoch"].size(), 2u);  // --epochs overrides the file's 3
  EXPECT_EQ(j["model_file"], (out / "model.tfm").string());
  EXPECT_EQ(j["precision"].size(), 3u);
  EXPECT_GT(j["test_accuracy_pct"].get<double>(), 80.0);
  EXPECT_TRUE(fs::exists(out / "model.tfm"));
  std::ifstream log(out / "log.csv");
  int lines = 0;
  for (std::string line; std::getline(log, line);) ++lines;
  EXPECT_EQ(lines, 3);  // header + 2 epochs

  // eval of the .tfm (with its stored project) reproduces train's test figures exactly.
  const Result e = run("eval " + (out / "model.tfm").string() + " " + project() + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  EXPECT_EQ(e.last_json()["test_accuracy_pct"], j["test_accuracy_pct"]);
  EXPECT_EQ(e.last_json()["test_loss"], j["test_loss"]);
}

TEST_F(TrainCli, ResumedRunEndsWhereAnUninterruptedOneDoes) {
  const std::string full = (dir_ / "full").string(), part = (dir_ / "part").string();
  const Result a = run("train " + project() + " --out " + full + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  ASSERT_EQ(run("train " + project() + " --epochs 1 --out " + part + " --json").exit_code, 0);
  const Result b = run("train " + project() + " --out " + part + " --resume --json");
  ASSERT_EQ(b.exit_code, 0) << b.out;
  EXPECT_EQ(a.last_json()["test_loss"], b.last_json()["test_loss"]);
  EXPECT_EQ(b.last_json()["seconds_per_epoch"].size(), 3u);
}

TEST_F(TrainCli, DataInspectCountsTheSplits) {
  const Result r = run("data inspect " + project() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.last_json()["classes"].size(), 3u);
}

TEST_F(TrainCli, ErrorsAreJsonAndNameTheKey) {
  std::ofstream(dir_ / "bad.yaml") << "model: {zoo: cnn}\ntraining: {epochs: lots}\n";
  const Result r = run("train " + (dir_ / "bad.yaml").string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  const std::string error = r.last_json()["error"];
  EXPECT_NE(error.find("training.epochs"), std::string::npos) << error;
  const Result m = run("eval " + (dir_ / "missing.tfm").string() + " --json");
  EXPECT_NE(m.exit_code, 0);
  EXPECT_TRUE(m.last_json().contains("error"));
}

}  // namespace

TEST_F(TrainCli, RaggedRowStopsTrainingUnlessSkipBadCountsIt) {
  std::ofstream(dir_ / "data.csv", std::ios::app) << "1.0,2.0\n";  // line 302: one field short
  const fs::path out = dir_ / "ragged";
  const Result failed = run("train " + project() + " --out " + out.string() + " --json");
  EXPECT_NE(failed.exit_code, 0);
  const std::string error = failed.last_json().value("error", "");
  EXPECT_NE(error.find("data.csv:302"), std::string::npos) << error;

  const Result skipped =
      run("train " + project() + " --epochs 1 --out " + out.string() + " --skip-bad --json");
  ASSERT_EQ(skipped.exit_code, 0) << skipped.out;
  EXPECT_EQ(skipped.last_json()["skipped_samples"], 1);
  const Result inspected = run("data inspect " + project() + " --skip-bad --json");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.out;
  EXPECT_EQ(inspected.last_json()["skipped"], 1);
}

// --data replaces data.path on train, eval and data inspect; the run records the data it trained
// on, so eval without a project and convert use it.
TEST_F(TrainCli, DataFlagReplacesThePathAndTheRunRemembersIt) {
  const fs::path other = dir_ / "mine" / "other.csv";
  fs::create_directories(other.parent_path());
  {
    std::ofstream csv(other);
    csv << "a,b,c,label\n";
    for (int i = 0; i < 60; ++i)  // 60 rows, 2 classes: not the project's 300 rows of 3
      csv << (i % 2 ? 2.0 : 0.0) + i * 0.001 << ",0.5," << i * 0.01 << ","
          << "xy"[i % 2] << "\n";
  }
  const Result inspected =
      run("data inspect " + project() + " --data " + other.string() + " --json");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.out;
  EXPECT_EQ(inspected.last_json()["classes"], nlohmann::json({"x", "y"}));
  EXPECT_EQ(inspected.last_json()["splits"]["test"]["samples"], 12);  // 0.2 of 60

  const fs::path out = dir_ / "mine_run";
  const Result trained = run("train " + project() + " --data " + other.string() +
                             " --epochs 1 --out " + out.string() + " --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  EXPECT_EQ(trained.last_json()["precision"].size(), 2u);
  const tinyforge::train::Checkpoint c = tinyforge::train::load_checkpoint(out / "model.tfm");
  EXPECT_EQ(c.metadata["data_path"], other.string());

  // Without a project, eval uses the data the model trained on (12 test rows, not 60).
  const Result e = run("eval " + (out / "model.tfm").string() + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  EXPECT_EQ(e.last_json()["evaluated_samples"], 12);
  EXPECT_EQ(e.last_json()["test_accuracy_pct"], trained.last_json()["test_accuracy_pct"]);
  // And so does convert: calibration on that run's 36 training rows.
  const Result converted = run("convert " + (out / "model.tfm").string() + " --int8 -o " +
                               (out / "m.tflite").string() + " --json");
  ASSERT_EQ(converted.exit_code, 0) << converted.out;
  EXPECT_EQ(converted.last_json()["calibration_samples"], 36);
  EXPECT_EQ(converted.last_json()["evaluated_samples"], 12);

  // --data on eval replaces it again; a dataset without a usable row is an error, not a table.
  const fs::path empty = dir_ / "empty.csv";
  std::ofstream(empty) << "a,b,c,label\n";
  for (const std::string command : {"eval " + (out / "model.tfm").string(),
                                    "data inspect " + project(), "train " + project()}) {
    const Result r = run(command + " --data " + empty.string() + " --json");
    EXPECT_NE(r.exit_code, 0) << command;
    const std::string error = r.last_json().value("error", "");
    EXPECT_NE(error.find(empty.string() + ": no data rows"), std::string::npos) << error;
  }
}
