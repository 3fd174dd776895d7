// Regression end to end through the CLI: a CSV table with a time column and a target linear in
// three features, trained for a few epochs (train reports MAE, RMSE and R² and logs them per
// epoch), evaluated from model.tfm alone, converted to int8 (float and int8 MAE), and the int8
// .tflite evaluated through the runtime with its output dequantized.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/metadata_json.h"

namespace {

namespace fs = std::filesystem;

using tinyforge::testing::CliResult;
using tinyforge::testing::run_cli;

class RegressionCli : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("tinyforge_regression_cli_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // y = 50 + 10 a - 6 b + 3 c + noise (sd 0.5), features uniform in [-1, 1]: the target's
    // variance is (100 + 36 + 9) / 3 + 0.25 = 48.6, so a model that learned the line scores
    // R² = 1 - 0.25 / 48.6 = 0.995 and one that predicts the mean scores 0.
    std::ofstream csv(dir_ / "data.csv");
    csv << "timestamp,a,b,c,y\n";
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(-1, 1);
    std::normal_distribution<double> noise(0, 0.5);
    for (int i = 0; i < 500; ++i) {
      const double a = u(rng), b = u(rng), c = u(rng);
      csv << i * 20 << "," << a << "," << b << "," << c << ","
          << 50 + 10 * a - 6 * b + 3 * c + noise(rng) << "\n";
    }
    csv.close();
    std::ofstream(dir_ / "p.yaml") << R"(name: linear
data:
  format: csv
  path: data.csv
  csv: {target_column: y}
  splits: {validation: 0.2, test: 0.2}
  normalization: per_channel
model:
  zoo: mlp
  hidden: [16]
training:
  epochs: 15
  batch_size: 32
  seed: 2
  progress: false
  optimizer: {name: adam, learning_rate: 0.01}
output:
  dir: out
)";
    train_ = run_cli("train " + project() + " --out " + (dir_ / "out").string() + " --json");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string project() { return (dir_ / "p.yaml").string(); }
  static std::string tfm() { return (dir_ / "out" / "model.tfm").string(); }

  static fs::path dir_;
  static CliResult train_;
};

fs::path RegressionCli::dir_;
CliResult RegressionCli::train_;

TEST_F(RegressionCli, TrainReportsMaeRmseAndR2) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const nlohmann::json j = train_.last_json();
  for (const char* key : {"test_mae", "test_rmse", "test_r2", "test_loss", "val_mae", "val_rmse",
                          "val_r2", "model_file", "targets"})
    EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
  EXPECT_TRUE(j["test_accuracy_pct"].is_null());
  EXPECT_FALSE(j.contains("confusion_matrix"));
  EXPECT_EQ(j["targets"], nlohmann::json({"y"}));
  // The floor: 0.95 is far above the 0 of predicting the mean and below the 0.995 the noise
  // allows, so a model that learned the line passes with room for a few epochs' shortfall.
  EXPECT_GT(j["test_r2"].get<double>(), 0.95);
  EXPECT_LT(j["test_rmse"].get<double>(), 1.6);  // sqrt((1 - 0.95) * 48.6)
  EXPECT_LE(j["test_mae"].get<double>(), j["test_rmse"].get<double>());
  ASSERT_EQ(j["val_r2"].size(), 15u);  // one per epoch
  EXPECT_GT(j["val_r2"].back().get<double>(), j["val_r2"].front().get<double>());

  std::ifstream log(dir_ / "out" / "log.csv");
  std::string header;
  std::getline(log, header);
  // Per epoch: training and validation figures only; the test split is evaluated once, after.
  EXPECT_EQ(header,
            "epoch,learning_rate,train_loss,train_mae,val_loss,val_mae,val_rmse,val_r2,seconds");

  // model.tfm alone (its stored project and data) reproduces the figures.
  const CliResult e = run_cli("eval " + tfm() + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  EXPECT_EQ(e.last_json()["test_mae"], j["test_mae"]);
  EXPECT_EQ(e.last_json()["test_r2"], j["test_r2"]);
  EXPECT_EQ(e.last_json()["test_loss"], j["test_loss"]);
}

TEST_F(RegressionCli, Int8ConvertAndEvalOfTheTflite) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const fs::path int8 = dir_ / "linear_int8.tflite";
  const CliResult c = run_cli("convert " + tfm() + " --int8 -o " + int8.string() + " --json");
  ASSERT_EQ(c.exit_code, 0) << c.out;
  const nlohmann::json j = c.last_json();
  for (const char* key : {"float_mae", "quantized_mae", "output_mae", "float_r2", "quantized_r2"})
    EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
  EXPECT_DOUBLE_EQ(j["float_mae"].get<double>(), train_.last_json()["test_mae"].get<double>());
  // The int8 output steps by its range / 255 (about 0.3 here), so rounding adds at most a few
  // tenths to the float MAE.
  EXPECT_LT(j["quantized_mae"].get<double>(), j["float_mae"].get<double>() + 0.5);
  EXPECT_GT(j["quantized_r2"].get<double>(), 0.9);

  const CliResult e = run_cli("eval " + int8.string() + " " + project() + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  const nlohmann::json ej = e.last_json();
  for (const char* key : {"test_mae", "test_rmse", "test_r2", "test_loss", "arena_bytes"})
    EXPECT_TRUE(ej.contains(key)) << key << " missing from " << ej.dump();
  EXPECT_DOUBLE_EQ(ej["test_mae"].get<double>(), j["quantized_mae"].get<double>());
  // The file says what its output is, for whoever runs it on a device.
  const tinyforge::tflite::Metadata meta =
      tinyforge::tflite::read_metadata(tinyforge::host::read_file(int8), int8.string());
  EXPECT_EQ(meta.extra.value("task", ""), "regression");
  EXPECT_EQ(meta.extra["targets"], nlohmann::json({"y"}));
  EXPECT_TRUE(meta.labels.empty());

  const CliResult f =
      run_cli("convert " + tfm() + " --float -o " + (dir_ / "f.tflite").string() + " --json");
  ASSERT_EQ(f.exit_code, 0) << f.out;
  EXPECT_TRUE(f.last_json()["quantized_mae"].is_null());
  EXPECT_NEAR(f.last_json()["output_mae"].get<double>(), j["float_mae"].get<double>(), 1e-4);
}

TEST_F(RegressionCli, ClassificationLossesAreRefused) {
  std::ifstream in(project());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("  seed: 2"), 9, "  loss: cross_entropy");
  std::ofstream(dir_ / "ce.yaml") << text;
  const CliResult r = run_cli("train " + (dir_ / "ce.yaml").string() + " --json");
  EXPECT_NE(r.exit_code, 0);
  const std::string error = r.last_json().value("error", "");
  EXPECT_NE(error.find("training.loss"), std::string::npos) << error;
  EXPECT_NE(error.find("mse or mae"), std::string::npos) << error;
}

}  // namespace
