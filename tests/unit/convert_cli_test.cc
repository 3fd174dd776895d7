// `tinyforge convert` end to end on a small trained model (a CSV dataset reshaped into 4x4
// images, through conv, BatchNorm, ReLU, pooling, Dropout and dense layers, so every folding pass
// has work): int8, 16x8 and float32 outputs that our runtime loads and runs at the accuracy the
// command reports, train's model_float.tflite converted with --project, and errors that name the
// file or flag at fault without leaving a file behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "toolkit/host/model_file.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

using testing::CliResult;
using testing::run_cli;

class ConvertCli : public ::testing::Test {
 protected:
  // Once for the suite: the trained model every test converts.
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("tinyforge_convert_cli_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Four overlapping classes in 16 features (accuracy informative, not 100%).
    std::ofstream csv(dir_ / "data.csv");
    for (int k = 0; k < 16; ++k) csv << "f" << k << ",";
    csv << "label\n";
    std::mt19937_64 rng(5);
    auto uniform = [&] { return static_cast<double>(rng() % 100000) / 100000.0; };
    for (int i = 0; i < 800; ++i) {
      const int label = i % 4;
      for (int k = 0; k < 16; ++k) csv << (k % 4 == label ? 0.7 : 0.0) + 2 * uniform() << ",";
      csv << "c" << label << "\n";
    }
    csv.close();
    std::ofstream(dir_ / "p.yaml") << R"(name: tiny-cnn
data:
  format: csv
  path: data.csv
  csv: {label_column: label}
  splits: {test: 0.25}
  normalization: per_channel
model:
  layers:
    - {type: reshape, shape: [4, 4, 1]}
    - {type: conv2d, filters: 8, kernel: 3, padding: same}
    - {type: batch_norm}
    - {type: relu}
    - {type: max_pool2d, pool: 2}
    - {type: flatten}
    - {type: dropout, rate: 0.2}
    - {type: dense, units: 4}
training:
  epochs: 10
  batch_size: 32
  seed: 7
  progress: false
  optimizer: {name: adam, learning_rate: 0.01}
output:
  dir: trained
)";
    train_ = run_cli("train " + project() + " --out " + (dir_ / "trained").string() + " --json");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string project() { return (dir_ / "p.yaml").string(); }
  static std::string tfm() { return (dir_ / "trained" / "model.tfm").string(); }
  static std::set<fs::path> files() {
    std::set<fs::path> all;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) all.insert(e.path());
    return all;
  }
  // Runs convert, expects success, and checks what every conversion must give.
  static nlohmann::json convert(const std::string& args, const fs::path& out) {
    const CliResult r = run_cli("convert " + args + " -o " + out.string() + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    if (r.exit_code != 0) return {};
    const nlohmann::json j = r.last_json();
    for (const char* key : {"output", "dtype", "float_accuracy_pct", "quantized_accuracy_pct",
                            "output_accuracy_pct", "model_bytes", "arena_bytes"})
      EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
    EXPECT_EQ(j["output"], out.string());
    EXPECT_TRUE(fs::exists(out));
    EXPECT_EQ(j["model_bytes"].get<uintmax_t>(), fs::file_size(out));
    // The written file is what was evaluated: eval through the runtime gives the same accuracy.
    const CliResult eval = run_cli("eval " + out.string() + " " + project() + " --json");
    EXPECT_EQ(eval.exit_code, 0) << eval.out;
    if (eval.exit_code == 0) {
      EXPECT_DOUBLE_EQ(eval.last_json()["test_accuracy_pct"].get<double>(),
                       j["output_accuracy_pct"].get<double>());
    }
    return j;
  }
  static DataType input_type(const fs::path& model) {
    const host::ModelFile file(model);
    host::HostInterpreter interpreter(file);
    return interpreter.get().input(0).type;
  }
  static void expect_error(const std::string& args, const std::string& needle) {
    const auto before = files();
    const CliResult r = run_cli("convert " + args + " --json");
    EXPECT_NE(r.exit_code, 0) << args;
    const std::string error = r.last_json().value("error", "");
    EXPECT_NE(error.find(needle), std::string::npos) << args << ": " << error;
    EXPECT_EQ(files(), before) << args << ": a failed convert left a file behind";
  }

  static fs::path dir_;
  static CliResult train_;
};

fs::path ConvertCli::dir_;
CliResult ConvertCli::train_;

TEST_F(ConvertCli, Int8KeepsTheFloatAccuracy) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const double trained = train_.last_json()["test_accuracy_pct"].get<double>();
  ASSERT_GT(trained, 60.0) << "the float model must have learned something";
  const fs::path out = dir_ / "int8.tflite";
  const nlohmann::json j = convert(tfm() + " --int8 --calibration-samples 300", out);
  EXPECT_EQ(j["dtype"], "int8");
  EXPECT_EQ(j["io_dtype"], "int8");
  EXPECT_EQ(j["calibration_samples"], 300);
  // The float figure is the trained model's, the quantized one close to it.
  EXPECT_DOUBLE_EQ(j["float_accuracy_pct"].get<double>(), trained);
  EXPECT_NEAR(j["quantized_accuracy_pct"].get<double>(), trained, 3.0) << j.dump();
  EXPECT_EQ(j["quantized_accuracy_pct"], j["output_accuracy_pct"]);
  EXPECT_EQ(input_type(out), DataType::kInt8);
}

TEST_F(ConvertCli, Int16x8AndFloatAndFloatIo) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const nlohmann::json int16 = convert(tfm() + " --int16x8", dir_ / "int16.tflite");
  EXPECT_EQ(int16["dtype"], "int16x8");
  EXPECT_EQ(input_type(dir_ / "int16.tflite"), DataType::kInt16);
  // 16x8 is finer than int8: within a point of float here.
  EXPECT_NEAR(int16["quantized_accuracy_pct"].get<double>(),
              int16["float_accuracy_pct"].get<double>(), 1.0);

  const nlohmann::json f = convert(tfm() + " --float", dir_ / "float.tflite");
  EXPECT_EQ(f["dtype"], "float32");
  EXPECT_TRUE(f["quantized_accuracy_pct"].is_null());
  EXPECT_EQ(input_type(dir_ / "float.tflite"), DataType::kFloat32);
  // Folding BatchNorm and dropping Dropout change the float result only by rounding.
  EXPECT_NEAR(f["output_accuracy_pct"].get<double>(), f["float_accuracy_pct"].get<double>(), 0.5);

  const nlohmann::json io =
      convert(tfm() + " --int8 --io-dtype float32 --calibrator mse", dir_ / "int8_io.tflite");
  EXPECT_EQ(io["io_dtype"], "float32");
  EXPECT_EQ(io["calibrator"], "mse");
  EXPECT_EQ(input_type(dir_ / "int8_io.tflite"), DataType::kFloat32);
}

TEST_F(ConvertCli, ErrorReportHasEveryLayer) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const fs::path report = dir_ / "errors.json";
  const nlohmann::json j =
      convert(tfm() + " --int8 --calibrator percentile --error-report " + report.string(),
              dir_ / "int8_p.tflite");
  EXPECT_EQ(j["error_report_file"], report.string());
  std::ifstream in(report);
  const nlohmann::json r = nlohmann::json::parse(in);
  // conv (BatchNorm folded, ReLU fused), max pool, reshape(s), dense: at least four layers.
  ASSERT_GE(r["layers"].size(), 4u) << r.dump();
  for (const auto& layer : r["layers"]) EXPECT_TRUE(layer.contains("rmse")) << layer.dump();
  // The report beside the output shows the layers (docs/report.md).
  EXPECT_EQ(j["report_file"], (dir_ / "int8_p_report.html").string());
  std::stringstream page;
  page << std::ifstream(dir_ / "int8_p_report.html").rdbuf();
  EXPECT_NE(page.str().find("data-src=\"errors.json#/layers/0/rmse\""), std::string::npos);
}

// --adaround and --mixed-precision end to end: each reported per layer in --json and in the
// error report file, the same file for the same seed, the arena budget respected, int8 in/out.
TEST_F(ConvertCli, AdaRoundAndMixedPrecisionReportPerLayer) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const std::string ada =
      tfm() + " --int8 --adaround --adaround-samples 64 " + "--adaround-iterations 50 --seed 4";
  const fs::path report = dir_ / "ada_errors.json";
  const nlohmann::json a =
      convert(ada + " --error-report " + report.string(), dir_ / "ada_a.tflite");
  ASSERT_TRUE(a.contains("adaround")) << a.dump();
  ASSERT_GE(a["adaround"].size(), 2u);  // the conv and the dense layers
  for (const auto& l : a["adaround"]) {
    EXPECT_LE(l["rmse_steps"].get<double>(), l["rmse_nearest_steps"].get<double>()) << l.dump();
    EXPECT_LE(l["changed"].get<int64_t>(), l["weights"].get<int64_t>());
  }
  std::ifstream in(report);
  EXPECT_EQ(nlohmann::json::parse(in)["adaround"], a["adaround"]);
  convert(ada, dir_ / "ada_b.tflite");
  std::stringstream fa, fb;
  fa << std::ifstream(dir_ / "ada_a.tflite", std::ios::binary).rdbuf();
  fb << std::ifstream(dir_ / "ada_b.tflite", std::ios::binary).rdbuf();
  EXPECT_EQ(fa.str(), fb.str()) << "same seed, same file";

  const nlohmann::json m =
      convert(tfm() + " --int8 --mixed-precision --max-arena 1MB", dir_ / "mixed.tflite");
  ASSERT_TRUE(m.contains("mixed_precision")) << m.dump();
  EXPECT_LE(m["mixed_precision"]["arena_bytes"].get<uint64_t>(), 1u << 20);
  EXPECT_EQ(input_type(dir_ / "mixed.tflite"), DataType::kInt8);
  for (const auto& c : m["mixed_precision"]["layers"]) EXPECT_TRUE(c.contains("reason"));
  expect_error(tfm() + " --int8 --mixed-precision -o " + (dir_ / "x.tflite").string(),
               "--mixed-precision");
  expect_error(
      tfm() + " --int16x8 --mixed-precision --int16-layers 1 -o " + (dir_ / "x.tflite").string(),
      "--int8");
}

TEST_F(ConvertCli, TrainWritesModelFloatTfliteWhichConvertsWithAProject) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const fs::path float_file = dir_ / "trained" / "model_float.tflite";
  ASSERT_TRUE(fs::exists(float_file));
  EXPECT_EQ(train_.last_json()["float_tflite_file"], float_file.string());
  EXPECT_EQ(input_type(float_file), DataType::kFloat32);
  const nlohmann::json j =
      convert(float_file.string() + " --int8 --project " + project(), dir_ / "from_tflite.tflite");
  // Imported, the float model is the trained one: the same test accuracy.
  EXPECT_NEAR(j["float_accuracy_pct"].get<double>(),
              train_.last_json()["test_accuracy_pct"].get<double>(), 0.5);
  EXPECT_NEAR(j["quantized_accuracy_pct"].get<double>(), j["float_accuracy_pct"].get<double>(),
              3.0);
}

TEST_F(ConvertCli, ErrorsNameTheFileOrFlagAndLeaveNothingBehind) {
  ASSERT_EQ(train_.exit_code, 0) << train_.out;
  const std::string out = " -o " + (dir_ / "bad.tflite").string();
  expect_error((dir_ / "missing.tfm").string() + " --int8" + out, "missing.tfm");
  expect_error(tfm() + out, "--int8, --int16x8, --float");
  expect_error(tfm() + " --int8 --calibrator best" + out, "minmax");
  expect_error(tfm() + " --int8 --io-dtype int16" + out, "--io-dtype int16");
  expect_error(tfm() + " --int8 --calibration-samples 0" + out, "--calibration-samples");
  expect_error(tfm() + " --int8 -o " + (dir_ / "bad.bin").string(), "bad.bin");
  expect_error((dir_ / "trained" / "model_float.tflite").string() + " --int8" + out, "--project");
  // Fails late (the data does not fit the model), after calibration would have started.
  std::ofstream(dir_ / "other.csv") << "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n";
  std::ofstream(dir_ / "other.yaml") << "data: {format: csv, path: other.csv, splits: {test: 0.5}}"
                                        "\nmodel: {zoo: mlp}\n";
  expect_error(tfm() + " --int8 --project " + (dir_ / "other.yaml").string() + out, "");
  EXPECT_FALSE(fs::exists(dir_ / "bad.tflite"));
  // Two dtypes: the command line itself is refused.
  EXPECT_NE(run_cli("convert " + tfm() + " --int8 --float" + out).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir_ / "bad.tflite"));
}

}  // namespace
}  // namespace tinyforge
