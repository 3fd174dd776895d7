// The training loop on small synthetic problems: it learns, a fixed seed repeats the run bit for
// bit, a run resumed from a checkpoint ends exactly where an uninterrupted one does, early
// stopping and the log behave, and every zoo model takes a training step.
#include "toolkit/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "toolkit/host/error.h"
#include "toolkit/train/layers.h"
#include "toolkit/zoo/zoo.h"

namespace tinyforge::train {
namespace {

// Two Gaussian blobs per class in 4 dimensions: separable, but not trivially.
data::Dataset blobs(int per_class, int classes, uint64_t seed) {
  data::Dataset d({4}, {});
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back("c" + std::to_string(c));
  d = data::Dataset({4}, names);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.4f);  // test data only: portability not needed
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) {
      float x[4];
      for (int k = 0; k < 4; ++k)
        x[k] = (k == c % 4 ? 1.5f : 0.0f) + (c >= 4 ? 1.0f : 0.0f) + noise(rng);
      d.add(x, c, "synthetic:" + std::to_string(i));
    }
  }
  return d;
}

graph::Graph small_mlp(uint64_t seed, int classes = 3) {
  graph::Graph g;
  LayerBuilder b(g, seed);
  int x = b.input({4});
  x = b.dense(x, {.units = 16, .activation = graph::Activation::kRelu});
  x = b.dropout(x, 0.1f);
  x = b.dense(x, {.units = classes});
  g.set_outputs({x});
  return g;
}

TrainerConfig quiet_config(int epochs) {
  TrainerConfig c;
  c.epochs = epochs;
  c.batch_size = 16;
  c.seed = 7;
  c.progress = false;
  c.optimizer.learning_rate = 0.01;
  return c;
}

std::vector<std::vector<float>> weights(const graph::Graph& g) {
  std::vector<std::vector<float>> w;
  for (const graph::Value& v : g.values())
    if (v.kind == graph::ValueKind::kParameter || v.kind == graph::ValueKind::kState)
      w.emplace_back(v.data.values().begin(), v.data.values().end());
  return w;
}

TEST(Trainer, LearnsSeparableBlobs) {
  const data::Dataset train = blobs(100, 3, 1), test = blobs(50, 3, 2);
  graph::Graph g = small_mlp(1);
  Trainer t(g, quiet_config(8));
  const auto history = t.fit(train, test);  // the held-out blobs as the validation split
  ASSERT_EQ(history.size(), 8u);
  EXPECT_LT(history.back().train_loss, history.front().train_loss);
  EXPECT_GT(history.back().val_accuracy_pct, 90.0);
  const Evaluation e = t.evaluate(test);
  EXPECT_DOUBLE_EQ(e.accuracy_pct, history.back().val_accuracy_pct);
  EXPECT_EQ(e.outputs.shape(), (graph::Shape{150, 3}));
  EXPECT_EQ(t.steps_done(), 8 * ((300 + 15) / 16));
}

TEST(Trainer, SameSeedSameRun) {
  const data::Dataset train = blobs(40, 3, 1);
  graph::Graph a = small_mlp(3), b = small_mlp(3);
  Trainer ta(a, quiet_config(3)), tb(b, quiet_config(3));
  ta.fit(train, {});
  tb.fit(train, {});
  EXPECT_EQ(weights(a), weights(b));
}

TEST(Trainer, ResumeFromCheckpointMatchesUninterruptedRun) {
  const data::Dataset train = blobs(40, 3, 1), val = blobs(10, 3, 5);
  TrainerConfig config = quiet_config(4);
  config.schedule = ScheduleConfig{.kind = ScheduleKind::kCosine, .base_lr = 0.01, .total = 4};
  config.early_stopping = EarlyStoppingConfig{.patience = 10};

  graph::Graph full = small_mlp(4);
  Trainer tf(full, config);
  const auto full_history = tf.fit(train, val);

  graph::Graph part = small_mlp(4);
  TrainerConfig two = config;
  two.epochs = 2;
  Trainer tp(part, two);
  tp.fit(train, val);
  Checkpoint c;
  c.graph = part;
  tp.save_state(c);
  const std::vector<uint8_t> bytes = serialize_checkpoint(c);  // through the file format
  Checkpoint loaded = parse_checkpoint(bytes.data(), bytes.size(), "mem");
  graph::Graph resumed = loaded.graph;
  Trainer tr(resumed, config);
  tr.restore_state(loaded);
  EXPECT_EQ(tr.epochs_done(), 2);
  const auto resumed_history = tr.fit(train, val);

  EXPECT_EQ(weights(full), weights(resumed));
  ASSERT_EQ(resumed_history.size(), full_history.size());
  for (size_t i = 0; i < full_history.size(); ++i) {
    EXPECT_EQ(resumed_history[i].train_loss, full_history[i].train_loss) << i;
    EXPECT_EQ(resumed_history[i].val_loss, full_history[i].val_loss) << i;
    EXPECT_EQ(resumed_history[i].learning_rate, full_history[i].learning_rate) << i;
  }
}

TEST(Trainer, EarlyStoppingStopsAndRestoresTheBestWeights) {
  const data::Dataset train = blobs(40, 3, 1), val = blobs(10, 3, 5);
  TrainerConfig config = quiet_config(50);
  config.optimizer.learning_rate = 0.05;
  config.early_stopping = EarlyStoppingConfig{.patience = 2, .min_delta = 1e9};  // never improves
  graph::Graph g = small_mlp(5);
  Trainer t(g, config);
  const auto history = t.fit(train, val);
  EXPECT_TRUE(t.stopped_early());
  EXPECT_EQ(history.size(), 3u);  // epoch 1 sets the best, two more without improvement
  // The weights are epoch 1's: evaluating reproduces epoch 1's validation loss.
  EXPECT_DOUBLE_EQ(t.evaluate(val).loss, history[0].val_loss);

  graph::Graph h = small_mlp(5);
  Trainer without_val(h, config);
  EXPECT_THROW(without_val.fit(train, {}), host::Error);
}

TEST(Trainer, WritesOneLogRowPerEpoch) {
  const auto path = std::filesystem::temp_directory_path() / "tinyforge_trainer_log.csv";
  TrainerConfig config = quiet_config(3);
  config.log_csv = path;
  graph::Graph g = small_mlp(6);
  Trainer t(g, config);
  t.fit(blobs(20, 3, 1), blobs(5, 3, 2));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line,
            "epoch,learning_rate,train_loss,train_accuracy_pct,val_loss,val_accuracy_pct,"
            "seconds");
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(line.substr(0, 2), std::to_string(rows) + ",");
    EXPECT_EQ(line.find(",,"), std::string::npos);  // every column filled
  }
  EXPECT_EQ(rows, 3);
  std::filesystem::remove(path);
}

TEST(Trainer, ClassWeightsAndSettingsChecks) {
  data::Dataset d = blobs(10, 2, 1);
  d.add(std::vector<float>{0, 0, 0, 0}, 0, "extra");
  const std::vector<float> w = balanced_class_weights(d);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_FLOAT_EQ(w[0], 21.0f / (2 * 11));
  EXPECT_FLOAT_EQ(w[1], 21.0f / (2 * 10));

  graph::Graph g = small_mlp(1);
  TrainerConfig bad = quiet_config(1);
  bad.batch_size = 0;
  EXPECT_THROW(Trainer(g, bad), host::Error);
  graph::Graph s;
  LayerBuilder b(s, 1);
  s.set_outputs({b.softmax(b.dense(b.input({4}), {.units = 3}))});
  EXPECT_THROW(Trainer(s, quiet_config(1)), host::Error);  // cross-entropy wants logits
}

TEST(Trainer, AutoencoderReconstructsItsInput) {
  data::Dataset d({8}, {"normal", "anomaly"});
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 64; ++i) {
    const float a = u(rng);
    std::vector<float> x(8);
    for (int k = 0; k < 8; ++k) x[k] = a * (k % 2 ? 1.0f : -1.0f);
    d.add(x, 0, "row");
  }
  zoo::ModelOptions o;
  o.input_shape = {8};
  o.hidden = {16};
  o.bottleneck = 2;
  graph::Graph g = zoo::autoencoder(o);
  TrainerConfig config = quiet_config(20);
  config.loss = LossKind::kMeanSquaredError;
  config.reconstruct = true;
  Trainer t(g, config);
  const auto history = t.fit(d, {});
  EXPECT_LT(history.back().train_loss, history.front().train_loss);
  EXPECT_TRUE(std::isnan(history.back().train_accuracy_pct));
  const Evaluation e = t.evaluate(d);
  EXPECT_EQ(e.reconstruction_error.size(), 64u);
}

// y = 10 (x0 - 2 x1) from four features: a linear model learns it; the loss divides by the
// target's scale, the metrics stay in its units.
TEST(Trainer, RegressionReportsMaeRmseAndR2) {
  data::Dataset d = data::Dataset::regression({4}, {"y"});
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int i = 0; i < 256; ++i) {
    const float x[4] = {u(rng), u(rng), u(rng), u(rng)};
    const float y = 10 * (x[0] - 2 * x[1]);
    d.add_regression(x, std::span<const float>(&y, 1), "row", "");
  }
  graph::Graph g = small_mlp(3, 1);
  TrainerConfig config = quiet_config(30);
  config.loss = LossKind::kMeanSquaredError;
  config.target_scale = data::compute_target_normalization(d).std;
  Trainer t(g, config);
  const auto history = t.fit(d, d);
  EXPECT_TRUE(std::isnan(history.back().train_accuracy_pct));
  EXPECT_LT(history.back().train_mae, history.front().train_mae);
  EXPECT_GT(history.back().val_r2, 0.95);
  const Evaluation e = t.evaluate(d);
  ASSERT_TRUE(e.regression.has_value());
  EXPECT_DOUBLE_EQ(e.regression->r2, history.back().val_r2);
  EXPECT_EQ(e.outputs.shape(), (graph::Shape{256, 1}));
  // The loss is on the standardized target: its MSE in units over the target's variance.
  const double scale = config.target_scale[0];
  EXPECT_NEAR(e.loss, e.regression->rmse * e.regression->rmse / (scale * scale), 1e-6);

  TrainerConfig wrong = quiet_config(1);  // cross_entropy
  graph::Graph g2 = small_mlp(3, 1);
  EXPECT_THROW(Trainer(g2, wrong).fit(d, {}), host::Error);
  wrong.loss = LossKind::kMeanAbsoluteError;
  wrong.early_stopping = EarlyStoppingConfig{};
  wrong.early_stopping->monitor = Monitor::kValAccuracy;
  EXPECT_THROW(Trainer(g2, wrong).fit(d, d), host::Error);
}

// Every zoo architecture runs forward and backward through the training kernels.
TEST(Trainer, EveryZooModelTakesATrainingStep) {
  for (const std::string& name : zoo::model_names()) {
    SCOPED_TRACE(name);
    zoo::ModelOptions o;
    o.seed = 1;
    graph::Graph g = zoo::build(name, o);
    const graph::Shape in = g.value(g.inputs()[0]).shape;
    const graph::Shape sample(in.begin() + 1, in.end());
    const bool ae = name == "autoencoder";
    // A detector's output is a grid of per-cell class scores (a box detector's: and 4 box
    // values); it trains on images with boxes.
    const bool boxes = name == "box_detector";
    const bool detector = name == "fomo" || boxes;
    const int64_t classes = ae ? 2 : g.value(g.outputs()[0]).shape.back() - (boxes ? 4 : 0);
    const std::vector<std::string> names(classes, "c");
    data::Dataset d =
        detector ? data::Dataset::detection(sample, names) : data::Dataset(sample, names);
    std::mt19937_64 rng(2);
    std::vector<float> x(graph::num_elements(sample));
    for (int i = 0; i < 4; ++i) {
      for (float& v : x) v = static_cast<float>(rng() % 1000) / 1000.0f;
      if (detector) {
        d.add_objects(x, {{1 + i % static_cast<int>(classes - 1), 8.0f * i, 8, 8.0f * i + 12, 20}},
                      "random");
      } else {
        d.add(x, i % classes, "random");
      }
    }
    TrainerConfig config = quiet_config(1);
    config.batch_size = 2;
    config.box_detector = boxes;
    if (ae) {
      config.loss = LossKind::kMeanSquaredError;
      config.reconstruct = true;
    }
    const auto before = weights(g);
    Trainer t(g, config);
    const auto history = t.fit(d, {});
    EXPECT_TRUE(std::isfinite(history[0].train_loss));
    EXPECT_NE(weights(g), before);
  }
}

// Input -> BatchNorm -> Dense: the BatchNorm sees the raw features, so its population statistics
// are the training split's own per-feature mean and (biased) variance.
graph::Graph normalized_mlp(uint64_t seed) {
  graph::Graph g;
  LayerBuilder b(g, seed);
  int x = b.input({4});
  x = b.batch_norm(x);
  x = b.dense(x, {.units = 3});
  g.set_outputs({x});
  return g;
}

// Blobs shifted far from BatchNorm's starting statistics (mean 0, variance 1).
data::Dataset shifted_blobs(int per_class, uint64_t seed) {
  data::Dataset d = blobs(per_class, 3, seed);
  for (float& v : d.features()) v = 5.0f + 3.0f * v;
  return d;
}

const graph::Node& only_batch_norm(const graph::Graph& g) {
  for (const graph::Node& n : g.nodes())
    if (n.type == graph::OpType::kBatchNorm) return n;
  throw std::logic_error("no BatchNorm");
}

std::vector<float> values_of(const graph::Graph& g, int id) {
  return {g.value(id).data.values().begin(), g.value(id).data.values().end()};
}

// 2 epochs of 4 steps at momentum 0.99 leave 92 % of the starting statistics: they are measured
// on the training split instead, exactly (mean of the batch means, variance by the law of total
// variance), and a resumed run continues from the moving averages, not the measured values.
TEST(Trainer, BatchNormStatisticsThatCannotConvergeAreMeasuredOnTheTrainingSplit) {
  const data::Dataset train = shifted_blobs(20, 1);  // 60 samples
  graph::Graph g = normalized_mlp(8);
  TrainerConfig config = quiet_config(2);
  Trainer t(g, config);
  t.fit(train, {});
  const graph::Node& bn = only_batch_norm(g);
  const std::vector<float> moving_mean = values_of(g, bn.inputs[3]);
  EXPECT_EQ(t.recompute_unconverged_batch_norm(train), 1);
  for (int k = 0; k < 4; ++k) {
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < train.size(); ++i) sum += train.sample(i)[k];
    const double mean = sum / train.size();
    for (int64_t i = 0; i < train.size(); ++i) squares += std::pow(train.sample(i)[k] - mean, 2);
    EXPECT_NEAR(g.value(bn.inputs[3]).data[k], mean, 1e-4 * std::abs(mean)) << k;
    EXPECT_NEAR(g.value(bn.inputs[4]).data[k], squares / train.size(), 1e-3) << k;
    EXPECT_LT(moving_mean[k], 0.5 * mean) << "the moving average had not got there";
  }
  Checkpoint c;
  c.graph = g;
  t.save_state(c);
  graph::Graph resumed = c.graph;
  Trainer r(resumed, config);
  r.restore_state(c);
  EXPECT_EQ(values_of(resumed, bn.inputs[3]), moving_mean);

  // Statistics that had the steps to converge stay the moving averages.
  graph::Graph h = normalized_mlp(8);
  for (graph::Node& n : h.nodes()) n.attrs.momentum = 0.5f;
  Trainer converged(h, config);
  converged.fit(train, {});
  const std::vector<float> before = values_of(h, only_batch_norm(h).inputs[3]);
  EXPECT_EQ(converged.recompute_unconverged_batch_norm(train), 0);
  EXPECT_EQ(values_of(h, only_batch_norm(h).inputs[3]), before);
}

// A frozen BatchNorm (fine-tuning) runs as in inference: its moving statistics, gamma and beta
// stay bit-identical while the layers after it train.
TEST(Trainer, FrozenBatchNormKeepsItsStatistics) {
  graph::Graph g = normalized_mlp(9);
  const std::vector<std::string> layers = trainable_layers(g);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(freeze_layers(g, {.first = 1}), std::vector<std::string>{layers[0]});
  const graph::Node& bn = only_batch_norm(g);
  std::vector<std::vector<float>> before;
  for (int id : bn.inputs) before.push_back(values_of(g, id));
  const auto dense_before = values_of(g, g.nodes().back().inputs[1]);
  Trainer t(g, quiet_config(3));
  t.fit(shifted_blobs(20, 2), {});
  for (size_t k = 1; k < bn.inputs.size(); ++k)
    EXPECT_EQ(values_of(g, bn.inputs[k]), before[k]) << "BatchNorm input " << k;
  EXPECT_NE(values_of(g, g.nodes().back().inputs[1]), dense_before);
  EXPECT_EQ(t.recompute_unconverged_batch_norm(shifted_blobs(20, 2)), 0) << "frozen: left alone";
}

}  // namespace
}  // namespace tinyforge::train
