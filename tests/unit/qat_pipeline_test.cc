// QAT from the command line (training.qat): `tinyforge train` on a QAT project loads a float
// checkpoint, fine-tunes it with fake quantization and writes model.tfm (the QAT graph) and
// model_int8.tflite, which our runtime runs at about the float model's accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/train_run.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/train/checkpoint.h"

namespace tinyforge::pipeline {
namespace {

namespace fs = std::filesystem;

using testing::run_cli;

constexpr const char* kData = R"(data:
  format: csv
  path: data.csv
  csv: {label_column: label}
  splits: {test: 0.25}
  normalization: per_channel
)";

class QatPipeline : public ::testing::Test {
 protected:
  // Once for the suite: the float model every test starts QAT from.
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("tinyforge_qat_pipeline_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Four overlapping classes in 6 features (so accuracy is informative, not 100%).
    std::ofstream csv(dir_ / "data.csv");
    csv << "f0,f1,f2,f3,f4,f5,label\n";
    std::mt19937_64 rng(11);
    auto uniform = [&] { return static_cast<double>(rng() % 100000) / 100000.0; };
    for (int i = 0; i < 800; ++i) {
      const int label = i % 4;
      for (int k = 0; k < 6; ++k) {
        const double centre = (k % 4 == label ? 0.6 : 0.0) + (k == 5 ? 10.0 : 0.0);
        csv << centre + uniform() + uniform() + uniform() - 1.5 << ",";
      }
      csv << "c" << label << "\n";
    }
    csv.close();
    std::ofstream(dir_ / "float.yaml") << "name: float\n"
                                       << kData << R"(model:
  layers:
    - {type: dense, units: 32, activation: relu}
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 4}
training:
  epochs: 12
  batch_size: 32
  progress: false
  optimizer: {name: adam, learning_rate: 0.01}
output:
  dir: float
)";
    float_result_ = run_training(load_project(dir_ / "float.yaml"));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static void write_qat_project(const std::string& name, const std::string& qat) {
    std::ofstream(dir_ / (name + ".yaml"))
        << "name: " << name << "\n"
        << kData << "training:\n  batch_size: 32\n  progress: false\n  qat: " << qat
        << "\noutput:\n  dir: " << name << "\n";
  }

  static fs::path dir_;
  static nlohmann::json float_result_;
};

fs::path QatPipeline::dir_;
nlohmann::json QatPipeline::float_result_;

TEST_F(QatPipeline, TrainCommandWritesAnInt8ModelNearFloatAccuracy) {
  const double float_accuracy = float_result_["test_accuracy_pct"].get<double>();
  ASSERT_GT(float_accuracy, 50.0) << "the float model must have learned something";
  write_qat_project("qat", "{from: float/model.tfm, epochs: 2, learning_rate: 0.001}");
  const testing::CliResult r = run_cli("train " + (dir_ / "qat.yaml").string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = r.last_json();
  for (const char* key :
       {"test_accuracy_pct", "test_loss", "seconds_per_epoch", "model_file", "float_accuracy_pct",
        "ptq_accuracy_pct", "qat_accuracy_pct", "quantized_accuracy_pct", "int8_file", "f1"})
    EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
  std::cout << "float " << float_accuracy << "%, PTQ int8 " << j["ptq_accuracy_pct"]
            << "%, QAT int8 " << j["test_accuracy_pct"] << "%\n";
  EXPECT_EQ(j["seconds_per_epoch"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["float_accuracy_pct"].get<double>(), float_accuracy);
  EXPECT_NEAR(j["test_accuracy_pct"].get<double>(), float_accuracy, 2.0) << j.dump();
  // The fake-quantized graph predicts what the int8 model computes.
  EXPECT_NEAR(j["qat_accuracy_pct"].get<double>(), j["test_accuracy_pct"].get<double>(), 1.0);

  // model_int8.tflite: int8 in and out, and our runtime runs it.
  const fs::path int8_file = dir_ / "qat" / "model_int8.tflite";
  ASSERT_TRUE(fs::exists(int8_file));
  host::ModelFile file(int8_file);
  host::HostInterpreter interpreter(file);
  EXPECT_EQ(interpreter.get().input(0).type, DataType::kInt8);
  EXPECT_EQ(interpreter.get().output(0).type, DataType::kInt8);
  const nlohmann::json eval = run_evaluation(int8_file, load_project(dir_ / "qat.yaml"));
  EXPECT_DOUBLE_EQ(eval["test_accuracy_pct"].get<double>(), j["test_accuracy_pct"].get<double>());

  // model.tfm holds the QAT graph: fake quantization nodes and learned ranges.
  const train::Checkpoint c = train::load_checkpoint(dir_ / "qat" / "model.tfm");
  int fake_quants = 0;
  for (const graph::Node& n : c.graph.nodes()) fake_quants += n.type == graph::OpType::kFakeQuant;
  EXPECT_EQ(fake_quants, 7) << "input, three weights, three outputs";
  EXPECT_EQ(c.training.epoch, 2);

  // `tinyforge convert` of the QAT checkpoint uses its learned ranges: the very file train wrote.
  const fs::path converted = dir_ / "qat_converted.tflite";
  const testing::CliResult cr = run_cli("convert " + (dir_ / "qat" / "model.tfm").string() +
                                        " --int8 -o " + converted.string() + " --json");
  ASSERT_EQ(cr.exit_code, 0) << cr.out;
  EXPECT_EQ(host::read_file(converted), host::read_file(int8_file));
  EXPECT_DOUBLE_EQ(cr.last_json()["quantized_accuracy_pct"].get<double>(),
                   j["test_accuracy_pct"].get<double>());
  const testing::CliResult refused =
      run_cli("convert " + (dir_ / "qat" / "model.tfm").string() + " --int16x8 -o " +
              (dir_ / "qat16.tflite").string() + " --json");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.last_json().value("error", "").find("int8 only"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "qat16.tflite"));
}

TEST_F(QatPipeline, ZeroEpochsEqualsPtqWithTheSameCalibration) {
  // Without fine-tuning, QAT's conversion uses the calibration's ranges as PTQ does.
  write_qat_project("qat0", "{from: float/model.tfm, epochs: 0}");
  const nlohmann::json j = run_training(load_project(dir_ / "qat0.yaml"));
  EXPECT_DOUBLE_EQ(j["test_accuracy_pct"].get<double>(), j["ptq_accuracy_pct"].get<double>());
}

TEST_F(QatPipeline, ErrorsNameTheKeyAndTheFile) {
  write_qat_project("missing", "{from: nowhere/model.tfm}");
  const testing::CliResult r = run_cli("train " + (dir_ / "missing.yaml").string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  const std::string error = r.last_json().value("error", "");
  EXPECT_NE(error.find("training.qat.from"), std::string::npos) << error;
  EXPECT_NE(error.find("nowhere/model.tfm"), std::string::npos) << error;

  const auto parse_error = [](const std::string& text) {
    try {
      parse_project(text, "q.yaml", ".");
    } catch (const host::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(parse_error("model: {zoo: mlp}\ntraining: {qat: {from: m.tfm}}").find("training.qat"),
            std::string::npos);
  EXPECT_NE(parse_error("training: {qat: {epochs: 2}}").find("training.qat.from"),
            std::string::npos);
  EXPECT_NE(parse_error("training: {qat: {from: m.tfm, calibrator: best}}")
                .find("training.qat.calibrator"),
            std::string::npos);
  // Defaults: a short fine-tune at a small rate; training.* values are kept when qat omits them.
  const Project p = parse_project("training: {qat: {from: m.tfm}}", "q.yaml", ".");
  EXPECT_EQ(p.training.trainer.epochs, 2);
  EXPECT_DOUBLE_EQ(p.training.trainer.optimizer.learning_rate, 1e-4);
  const Project p2 = parse_project(
      "training: {epochs: 3, optimizer: {learning_rate: 0.01}, qat: {from: m.tfm}}", "q.yaml", ".");
  EXPECT_EQ(p2.training.trainer.epochs, 3);
  EXPECT_DOUBLE_EQ(p2.training.trainer.optimizer.learning_rate, 0.01);
}

}  // namespace
}  // namespace tinyforge::pipeline
