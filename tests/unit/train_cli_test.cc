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
#include "tests/support/require_qemu.h"
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
  // Epochs are judged on the validation split; the test split is evaluated once, at the end.
  std::string header;
  std::getline(std::ifstream(out / "log.csv"), header);
  EXPECT_NE(header.find("val_accuracy_pct"), std::string::npos);
  EXPECT_EQ(header.find("test"), std::string::npos) << header;
  EXPECT_EQ(j["evaluated_split"], "test");
  EXPECT_EQ(j["evaluated_samples"], 60);
  // The run's report (docs/report.md), from the result saved beside it.
  EXPECT_EQ(j["report_file"], (out / "report.html").string());
  std::ifstream saved(out / "train.json");
  EXPECT_EQ(nlohmann::json::parse(saved)["confusion_matrix"], j["confusion_matrix"]);
  std::stringstream page;
  page << std::ifstream(out / "report.html").rdbuf();
  EXPECT_NE(page.str().find("data-src=\"train.json#/confusion_matrix/0/0\""), std::string::npos);
  EXPECT_NE(page.str().find("data-src=\"log.csv#/rows/1/train_loss\""), std::string::npos);

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

// A previous run is never replaced by accident, a failed start leaves no directory, and another
// project's checkpoint is refused by name, not by a shape error in the executor.
TEST_F(TrainCli, TrainRefusesToReplaceARunUnlessAskedTo) {
  const fs::path out = dir_ / "run";
  ASSERT_EQ(run("train " + project() + " --epochs 1 --out " + out.string() + " --json").exit_code,
            0);
  const auto before = fs::last_write_time(out / "model.tfm");
  const Result again = run("train " + project() + " --out " + out.string() + " --json");
  EXPECT_EQ(again.exit_code, 1);
  const std::string error = again.last_json().value("error", "");
  for (const char* word : {"previous run", "--resume", "--overwrite"})
    EXPECT_NE(error.find(word), std::string::npos) << error;
  EXPECT_EQ(fs::last_write_time(out / "model.tfm"), before);
  const Result replaced =
      run("train " + project() + " --epochs 2 --out " + out.string() + " --overwrite --json");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.out;
  EXPECT_EQ(replaced.last_json()["epochs"], 2);

  // A start that fails (the loss overflows in the first epoch) leaves none of its directories.
  std::string text;
  std::getline(std::ifstream(project()), text, '\0');
  text.replace(text.find("learning_rate: 0.01"), 19, "learning_rate: 1e30");
  std::ofstream(dir_ / "diverges.yaml") << text;
  const fs::path nested = dir_ / "new" / "deeper";
  const Result failed =
      run("train " + (dir_ / "diverges.yaml").string() + " --out " + nested.string() + " --json");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_FALSE(fs::exists(dir_ / "new"));

  // Another project's checkpoint: the message says whose and what differs.
  text.replace(text.find("learning_rate: 1e30"), 19, "learning_rate: 0.01");
  text.replace(text.find("hidden: [8]"), 11, "hidden: [5]");
  text.replace(text.find("name: tiny"), 10, "name: wider");
  std::ofstream(dir_ / "other.yaml") << text;
  const Result resumed = run("train " + (dir_ / "other.yaml").string() + " --out " + out.string() +
                             " --resume --json");
  EXPECT_EQ(resumed.exit_code, 1);
  const std::string why = resumed.last_json().value("error", "");
  for (const char* word : {"checkpoint of project 'tiny'", "[8,3]", "[5,3]", "its own project"})
    EXPECT_NE(why.find(word), std::string::npos) << why;
}

// eval --limit on a class-sorted test split: a seeded, stratified sample (not the first N, which
// would all be class a), the macro averages over the classes it holds; without --json a table.
TEST_F(TrainCli, EvalLimitTakesAStratifiedSampleAndPrintsATable) {
  std::string rows;
  {
    std::ifstream in(dir_ / "data.csv");
    std::string line;
    std::getline(in, line);
    std::vector<std::string> by_class[3];
    while (std::getline(in, line)) by_class[line.back() - 'a'].push_back(line);
    for (const auto& lines : by_class)
      for (const auto& l : lines) rows += l + "\n";
  }
  std::ofstream(dir_ / "sorted.csv") << "a,b,c,label\n" << rows;
  std::string text;
  std::getline(std::ifstream(project()), text, '\0');
  text.replace(text.find("path: data.csv"), 14, "path: sorted.csv");
  std::ofstream(dir_ / "sorted.yaml") << text;
  const std::string sorted = (dir_ / "sorted.yaml").string();
  const fs::path out = dir_ / "sorted_run";
  ASSERT_EQ(run("train " + sorted + " --epochs 1 --out " + out.string() + " --json").exit_code, 0);
  const std::string eval = "eval " + (out / "model.tfm").string() + " " + sorted;

  const Result r = run(eval + " --limit 6 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  EXPECT_EQ(j["support"], nlohmann::json({2, 2, 2}));
  EXPECT_EQ(j["macro_classes"], 3);
  EXPECT_EQ(j["evaluated_samples"], 6);
  EXPECT_EQ(j["split_samples"], 60);
  EXPECT_NE(j["sample"].get<std::string>().find("stratified"), std::string::npos);
  EXPECT_EQ(run(eval + " --limit 6 --json").last_json()["confusion_matrix"], j["confusion_matrix"])
      << "the same seed takes the same sample";
  const auto four = run(eval + " --limit 4 --seed 9 --json").last_json();
  EXPECT_EQ(four["evaluated_samples"], 4);
  for (const auto& support : four["support"]) EXPECT_GE(support.get<int>(), 1);

  const Result table = run(eval + " --limit 6");
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.front(), '{');
  for (const char* word : {"6 of the 60 samples of the test split", "precision", "recall", "f1",
                           "macro", "accuracy", "confusion matrix"})
    EXPECT_NE(table.out.find(word), std::string::npos) << word << " in\n" << table.out;
}

// What a device program needs travels with the model: inspect shows the tinyforge metadata and
// the C header defines the class names, normalization, input quantization and arena. The arena
// for a board is one figure, the same in inspect, export, run, eval and deploy.
TEST_F(TrainCli, ModelCarriesWhatADeviceNeedsAndOneArenaFigurePerBoard) {
  std::string yaml;
  std::getline(std::ifstream(project()), yaml, '\0');
  yaml.replace(yaml.find("format: csv"), 11, "format: csv\n  normalization: per_channel");
  const std::string normalized = (dir_ / "normalized.yaml").string();
  std::ofstream(normalized) << yaml;
  const fs::path out = dir_ / "device";
  ASSERT_EQ(run("train " + normalized + " --epochs 1 --out " + out.string() + " --json").exit_code,
            0);
  const std::string model = (dir_ / "m8.tflite").string();
  ASSERT_EQ(
      run("convert " + (out / "model.tfm").string() + " --int8 -o " + model + " --json").exit_code,
      0);
  const Result inspect = run("inspect " + model + " --board mps2-an386 --json");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out;
  const auto j = inspect.last_json();
  EXPECT_EQ(j["metadata"]["labels"], nlohmann::json({"a", "b", "c"}));
  EXPECT_EQ(j["metadata"]["input_mean"].size(), 3u);
  const nlohmann::json device = j["device_arena_bytes"];
  EXPECT_EQ(j["device_kernels"], "arm_dsp");
  EXPECT_EQ(j["arena_bytes"], j["host_arena_bytes"]);
  const Result text = run("inspect " + model);
  EXPECT_NE(text.out.find("labels: [\"a\",\"b\",\"c\"]"), std::string::npos) << text.out;

  const fs::path header = dir_ / "m8.h";
  const Result exported =
      run("export c-array " + model + " -o " + header.string() + " --board mps2-an386 --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  EXPECT_EQ(exported.last_json()["device_arena_bytes"], device);
  std::string h;
  std::getline(std::ifstream(header), h, '\0');
  for (const std::string& line :
       {std::string("const char* const m8_labels[3] = {\"a\", \"b\", \"c\"};"),
        std::string("const unsigned int m8_num_labels = 3;"),
        std::string("const float m8_input_mean[3] = {"), std::string("const float m8_input_std[3]"),
        std::string("const float m8_input_scale = "), std::string("const int m8_input_zero_point"),
        "const unsigned int m8_arena_bytes = " + device.dump() + ";"})
    EXPECT_NE(h.find(line), std::string::npos) << line << " in\n" << h.substr(0, 2000);

  TINYFORGE_REQUIRE_QEMU();
  const Result on_board = run("run " + model + " --board mps2-an386 --random 1 --json");
  ASSERT_EQ(on_board.exit_code, 0) << on_board.out;
  const auto b = on_board.last_json();
  EXPECT_EQ(b["arena_bytes"], device);
  EXPECT_EQ(b["device_arena_bytes"], device);
  EXPECT_LE(b["device_arena_used_bytes"].get<int64_t>(), device.get<int64_t>());
  const Result evaluated =
      run("eval " + model + " " + normalized + " --board mps2-an386 --limit 3 --json");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.out;
  EXPECT_EQ(evaluated.last_json()["device_arena_bytes"], device);
  EXPECT_EQ(evaluated.last_json()["arena_bytes"], device);
  const Result deployed =
      run("deploy " + model + " --board mps2-an386 -o " + (dir_ / "fw").string() + " --json");
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out;
  EXPECT_EQ(deployed.last_json()["ram_arena_bytes"], device);
  EXPECT_EQ(deployed.last_json()["device_arena_bytes"], device);
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
