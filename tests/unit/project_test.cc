// The project file: keys, defaults, errors that name file and key, overrides, the layer list.
#include "toolkit/pipeline/project.h"

#include <gtest/gtest.h>

#include "toolkit/host/error.h"

namespace tinyforge::pipeline {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_project(yaml, "p.yaml", "/base");
  } catch (const host::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Project, ReadsEverySection) {
  const Project p = parse_project(R"(
name: demo
data: {format: fashion_mnist}
model: {zoo: mobilenet_v1, width: 0.5, classes: 3, init: he_normal}
training:
  epochs: 7
  batch_size: 32
  seed: 9
  label_smoothing: 0.1
  class_weights: balanced
  optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9, nesterov: true}
  schedule: {name: cosine, warmup: 1}
  early_stopping: {monitor: val_accuracy, patience: 3}
output: {dir: out}
)",
                                  "p.yaml", "/base");
  EXPECT_EQ(p.name, "demo");
  EXPECT_EQ(p.model.zoo, "mobilenet_v1");
  EXPECT_FLOAT_EQ(p.model.options.width, 0.5f);
  EXPECT_EQ(p.model.options.classes, 3);
  EXPECT_EQ(p.model.options.kernel_init, train::Initializer::kHeNormal);
  const train::TrainerConfig& c = p.training.trainer;
  EXPECT_EQ(c.epochs, 7);
  EXPECT_EQ(c.batch_size, 32);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_DOUBLE_EQ(c.cross_entropy.label_smoothing, 0.1);
  EXPECT_TRUE(p.training.balanced_class_weights);
  EXPECT_EQ(c.optimizer.kind, train::OptimizerKind::kSgd);
  EXPECT_DOUBLE_EQ(c.optimizer.momentum, 0.9);
  EXPECT_TRUE(c.optimizer.nesterov);
  ASSERT_TRUE(c.schedule);
  EXPECT_EQ(c.schedule->kind, train::ScheduleKind::kCosine);
  EXPECT_DOUBLE_EQ(c.schedule->base_lr, 0.1);
  EXPECT_EQ(c.schedule->total, 7);
  ASSERT_TRUE(c.early_stopping);
  EXPECT_EQ(c.early_stopping->monitor, train::Monitor::kValAccuracy);
  EXPECT_EQ(c.early_stopping->patience, 3);
  EXPECT_EQ(p.output_dir, std::filesystem::path("/base/out"));
}

TEST(Project, DefaultsAndAutoencoderTarget) {
  Project p = parse_project("model: {zoo: cnn}\n", "p.yaml", "/base");
  EXPECT_EQ(p.training.trainer.epochs, 5);
  EXPECT_EQ(p.training.trainer.batch_size, 64);
  EXPECT_EQ(p.training.trainer.seed, 1234u);
  EXPECT_EQ(p.training.trainer.loss, train::LossKind::kCrossEntropy);
  EXPECT_EQ(p.training.trainer.optimizer.kind, train::OptimizerKind::kAdam);
  EXPECT_FALSE(p.training.trainer.reconstruct);
  p = parse_project("model: {zoo: autoencoder}\ntraining: {epochs: 1}\n", "p.yaml", "/base");
  EXPECT_TRUE(p.training.trainer.reconstruct);
  EXPECT_EQ(p.training.trainer.loss, train::LossKind::kMeanSquaredError);
}

TEST(Project, OverridesReplaceTheFile) {
  Project p = parse_project("model: {zoo: cnn}\ntraining: {epochs: 5, schedule: {name: cosine}}\n",
                            "p.yaml", "/base");
  apply_overrides(p, {.epochs = 2, .output_dir = "/tmp/o", .seed = 5});
  EXPECT_EQ(p.training.trainer.epochs, 2);
  EXPECT_EQ(p.training.trainer.schedule->total, 2);  // the cosine follows the new length
  EXPECT_EQ(p.output_dir, std::filesystem::path("/tmp/o"));
  EXPECT_EQ(p.training.trainer.seed, 5u);
}

TEST(Project, RegressionDefaultsToMseAndRefusesClassificationSettings) {
  const std::string data = "data: {format: csv, path: d.csv, csv: {target_column: y}}\n";
  Project p = parse_project(data + "model: {zoo: mlp}\n", "p.yaml", "/base");
  EXPECT_TRUE(p.data.is_regression());
  EXPECT_EQ(p.training.trainer.loss, train::LossKind::kMeanSquaredError);
  p = parse_project(data + "model: {zoo: mlp}\ntraining: {epochs: 1}\n", "p.yaml", "/base");
  EXPECT_EQ(p.training.trainer.loss, train::LossKind::kMeanSquaredError);
  p = parse_project(data + "model: {zoo: mlp}\ntraining: {loss: mae}\n", "p.yaml", "/base");
  EXPECT_EQ(p.training.trainer.loss, train::LossKind::kMeanAbsoluteError);
  EXPECT_NE(error_of(data + "model: {zoo: mlp}\ntraining: {loss: cross_entropy}\n")
                .find("p.yaml: training.loss:"),
            std::string::npos);
  EXPECT_NE(error_of(data + "model: {zoo: mlp}\ntraining: {class_weights: balanced}\n")
                .find("regression"),
            std::string::npos);
  EXPECT_NE(
      error_of(data + "model: {zoo: mlp, output_softmax: true}\n").find("model.output_softmax"),
      std::string::npos);
}

TEST(Project, DataOverrideIsStoredAbsolute) {
  Project p = parse_project("data: {format: image_folder, path: pics}\nmodel: {zoo: cnn}\n",
                            "p.yaml", "/base");
  EXPECT_EQ(p.data.path, "/base/pics");
  apply_overrides(p, {.data_path = "mine/../my_pics"});
  EXPECT_EQ(p.data.path, (std::filesystem::current_path() / "my_pics").string());
  Project idx = parse_project(
      "data: {format: idx, images: i.gz, labels: l.gz}\nmodel: {zoo: cnn}\n", "p.yaml", "/base");
  EXPECT_THROW(apply_overrides(idx, {.data_path = "x"}), host::Error);
}

TEST(Project, ErrorsNameFileKeyAndExpectation) {
  EXPECT_NE(error_of("model: {zoo: cnn}\ntraining: {epochs: many}\n")
                .find("p.yaml: training.epochs: expected a number of epochs, got 'many'"),
            std::string::npos);
  EXPECT_NE(error_of("model: {zoo: cnn}\ntraining: {epoch: 3}\n")
                .find("p.yaml: training.epoch: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("model: {zoo: vgg}\n").find("model.zoo: 'vgg' is not in the zoo"),
            std::string::npos);
  EXPECT_NE(error_of("data: {}\n").find("p.yaml: model: missing"), std::string::npos);
  EXPECT_NE(error_of("model: {zoo: cnn}\ntraining: {optimizer: {name: rmsprop}}\n")
                .find("training.optimizer.name"),
            std::string::npos);
  EXPECT_NE(error_of("model: {zoo: cnn}\ndata: {format: parquet}\n").find("p.yaml: data.format"),
            std::string::npos);
  EXPECT_NE(error_of("model: [\n").find("p.yaml: not valid YAML"), std::string::npos);
}

TEST(Project, LayerListBuildsTheBaselineCnn) {
  const Project p = parse_project(R"(
model:
  layers:
    - {type: conv2d, filters: 16, kernel: 3, padding: same, activation: relu}
    - {type: max_pool2d, pool: 2}
    - {type: conv2d, filters: 32, kernel: [3, 3], padding: same, activation: relu}
    - {type: max_pool2d}
    - {type: flatten}
    - {type: dense, units: 64, activation: relu}
    - {type: dense, units: 10}
)",
                                  "p.yaml", "/base");
  const graph::Graph g = build_model(p.model, {28, 28, 1}, 10, 1234);
  EXPECT_EQ(g.parameter_count(), 105866);
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (graph::Shape{-1, 10}));
}

TEST(Project, LayerListDetectorHeadsTakeTheirWidthFromTheClasses) {
  // `filters: classes` is a centroid detector's head, `filters: boxes` a box detector's (4 more).
  for (const auto& [filters, channels] : {std::pair{"classes", 4}, std::pair{"boxes", 8}}) {
    const Project p = parse_project(std::string(R"(
model:
  layers:
    - {type: conv2d, filters: 8, kernel: 3, strides: 8, padding: same, activation: relu}
    - {type: conv2d, kernel: 1, filters: )") + filters + "}\n",
                                    "p.yaml", "/base");
    const graph::Graph g = build_model(p.model, {32, 32, 3}, 4, 1234);
    EXPECT_EQ(g.value(g.outputs()[0]).shape, (graph::Shape{-1, 4, 4, channels})) << filters;
  }
}

TEST(Project, LayerListResidualAndErrors) {
  Project p = parse_project(R"(
model:
  layers:
    - {type: conv2d, filters: 8, padding: same, name: a}
    - {type: batch_norm}
    - {type: relu, name: b}
    - {type: add, inputs: [a, b], activation: relu}
    - {type: zero_padding, padding: [1, 2]}
    - {type: depthwise_conv2d, multiplier: 2}
    - {type: global_average_pool}
    - {type: dropout, rate: 0.3}
    - {type: dense, units: 4}
)",
                            "p.yaml", "/base");
  graph::Graph g = build_model(p.model, {8, 8, 3}, 4, 1);
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (graph::Shape{-1, 4}));

  p = parse_project("model: {layers: [{type: dense, unit: 3}]}\n", "p.yaml", "/base");
  try {
    build_model(p.model, {4}, 2, 1);
    FAIL();
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers[0].unit: unknown key"), std::string::npos)
        << e.what();
  }
  p = parse_project("model: {layers: [{type: add, inputs: [x, input]}]}\n", "p.yaml", "/base");
  EXPECT_THROW(build_model(p.model, {4}, 2, 1), host::Error);
  p = parse_project("model: {layers: [{type: densely}]}\n", "p.yaml", "/base");
  EXPECT_THROW(build_model(p.model, {4}, 2, 1), host::Error);
}

}  // namespace
}  // namespace tinyforge::pipeline
