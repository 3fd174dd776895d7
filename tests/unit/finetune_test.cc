// Fine-tuning (issue 5): model.freeze keeps frozen weights bit-identical through training,
// model.replace_head swaps the final FC for a new class count, an imported pretrained model
// (hello_world_float) fine-tuned on a toy task lowers its loss and re-quantizes with PTQ to an
// int8 file our runtime runs at the float accuracy, and the model's tinyforge metadata sets the
// input normalization.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>

#include "tests/support/shared_data.h"
#include "toolkit/host/error.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/train_run.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/quantize/ptq.h"
#include "toolkit/quantize/runtime_runner.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/layers.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {
namespace {

namespace fs = std::filesystem;

fs::path hello_world() {
  return testing::shared_dir() / "conformance" / "models" / "hello_world_float.tflite";
}

class FineTune : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tinyforge_finetune_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The toy task for hello_world's features: is sin(x) positive, for x in [0, 2 pi] (the range
  // the model was trained on)? Its last hidden layer computes features that give sin(x) linearly,
  // so a new two-class head on top of frozen layers should learn it quickly.
  void write_sine_csv() const {
    std::ofstream csv(dir_ / "sine.csv");
    csv << "x,label\n";
    std::mt19937_64 rng(7);
    for (int i = 0; i < 400; ++i) {
      const double x = 2 * std::numbers::pi * static_cast<double>(rng() % 100000) / 100000.0;
      csv << x << "," << (std::sin(x) > 0 ? "positive" : "negative") << "\n";
    }
  }

  Project sine_project(const std::string& model, int epochs) const {
    const std::string text = R"(name: sine-finetune
data:
  format: csv
  path: sine.csv
  csv: {label_column: label}
  splits: {test: 0.25}
model:
)" + model + R"(
training:
  epochs: )" + std::to_string(epochs) +
                             R"(
  batch_size: 16
  progress: false
  optimizer: {name: adam, learning_rate: 0.01}
output:
  dir: out
)";
    return parse_project(text, "sine.yaml", dir_);
  }

  fs::path dir_;
};

// A small classifier with three layers and toy data, trained directly through the Trainer.
data::Dataset toy_data(int n) {
  data::Dataset d({4}, {"a", "b"});
  std::mt19937_64 rng(3);
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    float x[4];
    for (float& v : x) v = static_cast<float>(rng() % 1000) / 1000.0f + (label ? 0.5f : 0.0f);
    d.add(x, label, "toy:" + std::to_string(i));
  }
  return d;
}

graph::Graph three_layers() {
  graph::Graph g;
  train::LayerBuilder b(g, 5);
  int x = b.input({4});
  x = b.dense(x, {.units = 8, .activation = graph::Activation::kRelu, .name = "first"});
  x = b.dense(x, {.units = 8, .activation = graph::Activation::kRelu, .name = "second"});
  x = b.dense(x, {.units = 2, .name = "head"});
  g.set_outputs({x});
  return g;
}

std::vector<uint8_t> bytes_of(const graph::Tensor& t) {
  std::vector<uint8_t> b(t.size() * sizeof(float));
  std::memcpy(b.data(), t.data(), b.size());
  return b;
}

TEST(Freeze, FrozenWeightsStayBitIdenticalThroughTraining) {
  graph::Graph g = three_layers();
  const std::vector<std::string> frozen = train::freeze_layers(g, {.all_but_last = 1});
  EXPECT_EQ(frozen, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(train::trainable_layers(g), std::vector<std::string>{"head"});
  std::map<std::string, std::vector<uint8_t>> before;
  for (const graph::Value& v : g.values())
    if (!v.data.empty()) before[v.name] = bytes_of(v.data);

  train::TrainerConfig config;
  config.epochs = 3;
  config.batch_size = 8;
  config.progress = false;
  config.optimizer.learning_rate = 0.05;
  config.optimizer.weight_decay = 0.1;  // would move every weight it touched
  train::Trainer trainer(g, config);
  trainer.fit(toy_data(64), {});

  int frozen_checked = 0, trained_changed = 0;
  for (const graph::Value& v : g.values()) {
    if (v.data.empty()) continue;
    const bool is_head = v.name.rfind("head", 0) == 0;
    if (is_head) {
      trained_changed += bytes_of(v.data) != before[v.name];
    } else {
      EXPECT_EQ(bytes_of(v.data), before[v.name]) << v.name << " is frozen but changed";
      ++frozen_checked;
    }
  }
  EXPECT_EQ(frozen_checked, 4) << "weights and biases of first and second";
  EXPECT_EQ(trained_changed, 2) << "the head's weights and bias train";
}

TEST(Freeze, ByNameByPrefixAndErrors) {
  graph::Graph g = three_layers();
  EXPECT_EQ(train::freeze_layers(g, {.layers = {"second"}}), std::vector<std::string>{"second"});
  EXPECT_EQ(train::trainable_layers(g), (std::vector<std::string>{"first", "head"}));
  graph::Graph h = three_layers();
  EXPECT_EQ(train::freeze_layers(h, {.first = 1}), std::vector<std::string>{"first"});
  graph::Graph k = three_layers();
  try {
    train::freeze_layers(k, {.layers = {"fourth"}});
    FAIL() << "an unknown layer must be refused";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fourth'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("first, second, head"), std::string::npos) << e.what();
  }
  EXPECT_THROW(train::freeze_layers(k, {.all_but_last = 4}), host::Error);
}

TEST(Freeze, ProjectKeysParseAndBadValuesAreNamed) {
  const auto parse = [](const std::string& model) {
    return parse_project("model:\n" + model + "\n", "p.yaml", ".");
  };
  EXPECT_EQ(parse("  zoo: mlp\n  freeze: [a, b]").model.freeze.layers,
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse("  zoo: mlp\n  freeze: {all_but_last: 2}").model.freeze.all_but_last, 2);
  EXPECT_EQ(parse("  zoo: mlp\n  freeze: {first: 3}").model.freeze.first, 3);
  const Project p = parse("  from: m.tflite\n  replace_head: {classes: 4}");
  EXPECT_EQ(p.model.replace_head, 4);
  EXPECT_EQ(p.model.from, fs::path(".") / "m.tflite");
  EXPECT_EQ(parse("  from: m.tflite\n  replace_head: true").model.replace_head, 0);
  const auto error = [&](const std::string& model) {
    try {
      parse(model);
    } catch (const host::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("  zoo: mlp\n  freeze: {last: 2}").find("p.yaml: model.freeze.last"),
            std::string::npos);
  EXPECT_NE(error("  zoo: mlp\n  freeze: {first: -1}").find("model.freeze"), std::string::npos);
  EXPECT_NE(error("  zoo: mlp\n  replace_head: {classes: 3}").find("model.replace_head"),
            std::string::npos);
  EXPECT_NE(error("  from: m.onnx").find("model.from"), std::string::npos);
  EXPECT_NE(error("  from: m.tflite\n  zoo: mlp").find("exactly one of"), std::string::npos);
}

TEST_F(FineTune, ReplaceHeadGivesTheNewClassCount) {
  TINYFORGE_REQUIRE_SHARED();
  ModelSpec spec;
  spec.from = hello_world();
  spec.replace_head = 3;
  const graph::Graph g = build_model(spec, {1}, 3, 1);
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (graph::Shape{-1, 3}));
  const graph::Node& head = g.nodes().back();
  ASSERT_EQ(head.type, graph::OpType::kFullyConnected);
  EXPECT_EQ(g.value(head.inputs[1]).shape, (graph::Shape{3, 16}));
  EXPECT_EQ(g.value(head.inputs[2]).shape, graph::Shape{3});
  EXPECT_EQ(g.value(head.inputs[1]).kind, graph::ValueKind::kParameter);

  // Without replace_head a class-count mismatch says how to fix it; so does a wrong input shape.
  ModelSpec keep;
  keep.from = hello_world();
  try {
    build_model(keep, {1}, 3, 1);
    FAIL() << "1 output for 3 classes must be refused";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("replace_head: {classes: 3}"), std::string::npos)
        << e.what();
  }
  try {
    build_model(spec, {28, 28, 1}, 3, 1);
    FAIL() << "a sample shape the model does not take must be refused";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[28,28,1]"), std::string::npos) << e.what();
  }
}

TEST_F(FineTune, PretrainedModelLearnsToyTaskAndRequantizes) {
  TINYFORGE_REQUIRE_SHARED();
  write_sine_csv();
  const std::string model = "  from: " + hello_world().string() +
                            "\n  replace_head: {classes: 2}\n  freeze: {all_but_last: 1}";
  // Zero epochs: the new head's loss as initialised; then ten epochs of fine-tuning.
  const nlohmann::json before = run_training(sine_project(model, 0));
  const Project project = sine_project(model, 10);
  const nlohmann::json after = run_training(project, RunStart::kOverwrite);
  EXPECT_LT(after["test_loss"].get<double>(), 0.5 * before["test_loss"].get<double>())
      << "before " << before["test_loss"] << ", after " << after["test_loss"];
  EXPECT_GE(after["test_accuracy_pct"].get<double>(), 90.0);

  // The frozen layers are the pretrained ones, bit for bit.
  const train::Checkpoint c = train::load_checkpoint(dir_ / "out" / "model.tfm");
  const tflite::Imported original = tflite::import_tflite(hello_world());
  int compared = 0;
  for (const graph::Value& v : c.graph.values()) {
    if (v.kind != graph::ValueKind::kState) continue;
    for (const graph::Value& o : original.graph.values()) {
      if (o.name != v.name) continue;
      EXPECT_EQ(bytes_of(v.data), bytes_of(o.data)) << v.name;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 4) << "two frozen FC layers, weights and bias";

  // Re-quantized with PTQ (calibrated on the training split), our runtime gives the float
  // model's answers on the test split.
  data::DatasetSplit split = load_project_data(project);
  graph::Graph prepared = quantize::prepare_for_export(c.graph);
  const graph::Tensor train_x = split.train.to_tensor();
  const quantize::Calibration cal =
      quantize::calibrate(prepared, quantize::batches_of(train_x, 0, 64));
  quantize::RuntimeRunner runner(tflite::write_tflite(quantize::quantize_graph(prepared, cal), {}),
                                 "fine-tuned hello_world int8");
  const graph::Tensor y = runner.run({split.test.to_tensor()})[0];
  int correct = 0;
  for (int64_t i = 0; i < split.test.size(); ++i)
    correct += (y[i * 2 + 1] > y[i * 2]) == (split.test.label(i) == 1);
  const double int8_accuracy = 100.0 * correct / split.test.size();
  EXPECT_NEAR(int8_accuracy, after["test_accuracy_pct"].get<double>(), 2.0);
}

TEST_F(FineTune, MetadataNormalizationReplacesTheProjects) {
  TINYFORGE_REQUIRE_SHARED();
  write_sine_csv();
  // hello_world with tinyforge metadata saying inputs are (x - 3) / 2.
  tflite::WriteOptions options;
  options.metadata.input_mean = {3.0f};
  options.metadata.input_std = {2.0f};
  options.metadata.labels = {"negative", "positive"};
  tflite::write_tflite_file(tflite::import_tflite(hello_world()).graph, options,
                            dir_ / "hello_meta.tflite");
  const Project project = sine_project("  from: hello_meta.tflite\n  replace_head: true", 1);
  const data::DatasetSplit split = load_project_data(project);
  EXPECT_EQ(split.normalization.mean, std::vector<float>{3.0f});
  EXPECT_EQ(split.normalization.std, std::vector<float>{2.0f});
  const data::DatasetSplit raw = data::load_dataset(project.data);
  for (int64_t i = 0; i < 5; ++i)
    EXPECT_FLOAT_EQ(split.train.sample(i)[0], (raw.train.sample(i)[0] - 3.0f) / 2.0f);
}

}  // namespace
}  // namespace tinyforge::pipeline
