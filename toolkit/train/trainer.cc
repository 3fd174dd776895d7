#include "toolkit/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "toolkit/data/batcher.h"
#include "toolkit/data/detection_augment.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/train/batch_norm_statistics.h"
#include "toolkit/train/box_targets.h"
#include "toolkit/train/centroid_targets.h"
#include "toolkit/train/progress_bar.h"
#include "toolkit/train/regression.h"

namespace tinyforge::train {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN: nlohmann writes null, which reads back as NaN here.
double number_or_nan(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : kNaN; }

// The record's figures by name, for the checkpoint's history and log.csv.
std::vector<std::pair<const char*, double EpochRecord::*>> record_fields() {
  return {{"learning_rate", &EpochRecord::learning_rate},
          {"train_loss", &EpochRecord::train_loss},
          {"train_accuracy_pct", &EpochRecord::train_accuracy_pct},
          {"train_mae", &EpochRecord::train_mae},
          {"val_loss", &EpochRecord::val_loss},
          {"val_accuracy_pct", &EpochRecord::val_accuracy_pct},
          {"val_mae", &EpochRecord::val_mae},
          {"val_rmse", &EpochRecord::val_rmse},
          {"val_r2", &EpochRecord::val_r2},
          {"seconds", &EpochRecord::seconds}};
}

nlohmann::json record_json(const EpochRecord& r) {
  nlohmann::json j = {{"epoch", r.epoch}};
  for (const auto& [name, field] : record_fields()) j[name] = r.*field;
  return j;
}

EpochRecord record_from_json(const nlohmann::json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  // Checkpoints from before regression lack its figures: they stay NaN.
  for (const auto& [name, field] : record_fields())
    r.*field = j.contains(name) ? number_or_nan(j.at(name)) : kNaN;
  return r;
}

// Training-state tensors holding moving statistics that recompute_unconverged_batch_norm()
// replaced in the graph.
constexpr const char* kMovingPrefix = "moving/";

void restore_moving_statistics(graph::Graph& graph, const std::string& name,
                               const graph::Tensor& t) {
  for (graph::Value& v : graph.values()) {
    if (v.name != name || v.kind != graph::ValueKind::kState) continue;
    if (v.data.shape() != t.shape())
      throw host::Error("checkpoint: moving statistics '" + name + "' do not fit the model");
    v.data = t;
    return;
  }
  throw host::Error("checkpoint: moving statistics '" + name + "' name no state of the model");
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// One-hot rows [N, C] (or the labels themselves as [N, 1] targets when C is 1).
graph::Tensor label_targets(const graph::Shape& output_shape, const std::vector<int>& labels) {
  graph::Tensor t(output_shape, 0.0f);
  const int64_t n = output_shape[0], c = t.size() / std::max<int64_t>(n, 1);
  for (int64_t i = 0; i < n; ++i) {
    if (c == 1) {
      t[i] = static_cast<float>(labels[i]);
    } else if (labels[i] >= 0 && labels[i] < c) {
      t[i * c + labels[i]] = 1.0f;
    }
  }
  return t;
}

// " | val loss 0.1234 acc 91.20%" for the progress line (no accuracy for reconstruction; MAE and
// R² for regression).
std::string evaluation_summary(const char* split, const Evaluation& e) {
  char buf[96];
  std::snprintf(buf, sizeof buf, " | %s loss %.4f", split, e.loss);
  std::string text = buf;
  if (!std::isnan(e.accuracy_pct)) {
    std::snprintf(buf, sizeof buf, " acc %.2f%%", e.accuracy_pct);
    text += buf;
  }
  if (e.regression) {
    std::snprintf(buf, sizeof buf, " mae %.4g r2 %.4f", e.regression->mae, e.regression->r2);
    text += buf;
  }
  return text;
}

// The figures of one split's evaluation into the record's fields for that split.
void record_evaluation(const Evaluation& e, double& loss, double& accuracy_pct, double& mae,
                       double& rmse, double& r2) {
  loss = e.loss;
  accuracy_pct = e.accuracy_pct;
  if (e.regression) {
    mae = e.regression->mae;
    rmse = e.regression->rmse;
    r2 = e.regression->r2;
  }
}

}  // namespace

std::vector<float> balanced_class_weights(const data::Dataset& train) {
  const std::vector<int64_t> counts = train.class_counts();
  std::vector<float> w(counts.size(), 0.0f);
  const double n = static_cast<double>(train.size()), c = static_cast<double>(counts.size());
  for (size_t k = 0; k < counts.size(); ++k)
    if (counts[k] > 0) w[k] = static_cast<float>(n / (c * counts[k]));
  return w;
}

std::vector<std::string> trainable_layers(const graph::Graph& graph) {
  std::vector<std::string> names;
  for (const graph::Node& node : graph.nodes()) {
    for (int id : node.inputs) {
      if (graph.value(id).kind == graph::ValueKind::kParameter) {
        names.push_back(node.name);
        break;
      }
    }
  }
  return names;
}

std::vector<std::string> freeze_layers(graph::Graph& graph, const FreezeSpec& spec) {
  const std::vector<std::string> layers = trainable_layers(graph);
  const int count = static_cast<int>(layers.size());
  std::vector<char> frozen(layers.size(), 0);
  auto list = [&] {
    std::string s;
    for (const auto& n : layers) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  for (const std::string& name : spec.layers) {
    const auto it = std::find(layers.begin(), layers.end(), name);
    if (it == layers.end()) {
      throw host::Error("model.freeze: no layer with trainable weights is named '" + name +
                        "'; the layers are " + list());
    }
    frozen[it - layers.begin()] = 1;
  }
  if (spec.all_but_last > count || spec.first > count) {
    throw host::Error("model.freeze: " + std::to_string(std::max(spec.all_but_last, spec.first)) +
                      " layers asked for, the model has " + std::to_string(count) +
                      " with trainable weights");
  }
  for (int i = 0; spec.all_but_last >= 0 && i < count - spec.all_but_last; ++i) frozen[i] = 1;
  for (int i = 0; i < spec.first; ++i) frozen[i] = 1;

  std::vector<std::string> names;
  // Layer index -> node: the same walk as trainable_layers(), done before any kind changes.
  std::vector<const graph::Node*> nodes;
  for (const graph::Node& node : graph.nodes()) {
    for (int id : node.inputs) {
      if (graph.value(id).kind == graph::ValueKind::kParameter) {
        nodes.push_back(&node);
        break;
      }
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!frozen[i]) continue;
    for (int id : nodes[i]->inputs) {
      graph::Value& v = graph.value(id);
      if (v.kind == graph::ValueKind::kParameter) v.kind = graph::ValueKind::kState;
    }
    names.push_back(nodes[i]->name);
  }
  return names;
}

Trainer::Trainer(graph::Graph& graph, TrainerConfig config)
    : graph_(graph),
      config_(std::move(config)),
      executor_(graph),
      optimizer_(config_.optimizer),
      rng_(config_.seed) {
  if (config_.epochs < 0) throw host::Error("training.epochs: expected a non-negative number");
  if (config_.batch_size <= 0) throw host::Error("training.batch_size: expected a positive number");
  if (graph_.inputs().size() != 1 || graph_.outputs().size() != 1) {
    throw host::Error("training: the model must have one input and one output (it has " +
                      std::to_string(graph_.inputs().size()) + " and " +
                      std::to_string(graph_.outputs().size()) + ")");
  }
  if (config_.reconstruct && config_.loss != LossKind::kMeanSquaredError)
    throw host::Error("training.loss: an autoencoder reconstructs its input; expected mse");
  if (config_.loss == LossKind::kCrossEntropy && !graph_.nodes().empty() &&
      graph_.nodes().back().type == graph::OpType::kSoftmax) {
    throw host::Error(
        "model: the last layer is a softmax, but cross_entropy expects logits; remove the softmax "
        "(the loss applies it)");
  }
  if (config_.schedule) validate(*config_.schedule);
  if (config_.early_stopping) early_stopping_.emplace(*config_.early_stopping);
}

std::vector<graph::Tensor*> Trainer::parameters() {
  std::vector<graph::Tensor*> p;
  for (int id : graph_.trainable_parameters()) p.push_back(&graph_.value(id).data);
  return p;
}

void Trainer::check_task(const data::Dataset& dataset) const {
  if (!dataset.is_regression()) return;
  if (config_.reconstruct)
    throw host::Error("training.target: input (an autoencoder) does not take regression targets");
  check_regression_loss(config_.loss);
  if (early_stopping_ && early_stopping_->config().monitor == Monitor::kValAccuracy)
    throw host::Error(
        "training.early_stopping.monitor: a regression has no accuracy; use val_loss");
}

Trainer::BatchResult Trainer::loss_and_grad(const graph::Tensor& output, const graph::Tensor& input,
                                            const data::Batch& batch, graph::Tensor* grad,
                                            bool with_class_weights) const {
  LossOutput lo;
  double correct = 0;
  double absolute_error = 0;
  const std::vector<int>& labels = batch.labels;
  const int64_t n = output.dim(0);
  const int64_t c = n > 0 ? output.size() / n : 0;
  if (config_.reconstruct) {
    if (input.size() != output.size()) {
      throw host::Error("training: the autoencoder's output " +
                        graph::shape_string(output.shape()) + " does not match its input " +
                        graph::shape_string(input.shape()));
    }
    lo = mean_squared_error(output, input.reshaped(output.shape()));
  } else if (!batch.boxes.empty()) {
    if (output.rank() != 4 || input.rank() != 4) {
      throw host::Error(
          "training: a detection set needs a model with a grid of cells [N, rows, "
          "cols, classes] (e.g. model.zoo: fomo); it gives " +
          graph::shape_string(output.shape()));
    }
    const CellGrid grid{output.dim(1), output.dim(2), input.dim(1), input.dim(2)};
    CrossEntropyOptions options;
    if (with_class_weights) options = config_.cross_entropy;
    std::vector<int> cells;
    if (config_.box_detector) {
      BoxTargets targets = box_cell_targets(batch.boxes, grid);
      lo = box_detection_loss(output, targets, options, kBoxLossWeight);
      cells = std::move(targets.labels);
    } else {
      cells = centroid_cell_labels(batch.boxes, grid);
      lo = softmax_cross_entropy(output, cells, options);
    }
    const int64_t channels = output.dim(3);
    const int64_t classes = config_.box_detector ? channels - kBoxTargetValues : channels;
    int64_t right = 0;
    for (size_t i = 0; i < cells.size(); ++i) {
      const float* row = output.data() + i * channels;
      right += std::max_element(row, row + classes) - row == cells[i];
    }
    // Accuracy over cells, counted in samples as the callers count it.
    correct = static_cast<double>(right) / (grid.rows * grid.cols);
  } else if (!batch.targets.empty()) {
    lo = standardized_regression_loss(config_.loss, output, batch.targets, config_.target_scale);
    for (int64_t i = 0; i < output.size(); ++i)
      absolute_error += std::abs(static_cast<double>(output[i]) - batch.targets[i]);
  } else {
    switch (config_.loss) {
      case LossKind::kCrossEntropy: {
        CrossEntropyOptions options;
        if (with_class_weights) options = config_.cross_entropy;
        lo = softmax_cross_entropy(output, labels, options);
        break;
      }
      case LossKind::kBinaryCrossEntropy:
        lo = binary_cross_entropy_with_logits(output, label_targets(output.shape(), labels));
        break;
      case LossKind::kMeanSquaredError:
        lo = mean_squared_error(output, label_targets(output.shape(), labels));
        break;
      case LossKind::kMeanAbsoluteError:
        lo = mean_absolute_error(output, label_targets(output.shape(), labels));
        break;
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* row = output.data() + i * c;
      const int predicted =
          c == 1 ? (row[0] > (config_.loss == LossKind::kBinaryCrossEntropy ? 0.0f : 0.5f))
                 : static_cast<int>(std::max_element(row, row + c) - row);
      correct += predicted == labels[i];
    }
  }
  if (grad) *grad = std::move(lo.grad);
  return {lo.loss, correct, absolute_error};
}

std::vector<EpochRecord> Trainer::fit(const data::Dataset& train, const data::Dataset& validation,
                                      const std::function<void(const EpochRecord&)>& on_epoch) {
  if (train.empty()) throw host::Error("training: the training split is empty");
  check_task(train);
  regression_ = train.is_regression();
  // Regression reports no accuracy, classification no MAE.
  const bool accuracy = !config_.reconstruct && !regression_;
  if (early_stopping_ && validation.empty()) {
    throw host::Error(
        "training.early_stopping: needs a validation split (set data.splits.validation)");
  }
  const std::vector<int> param_ids = graph_.trainable_parameters();
  std::vector<ParameterGradient> updates(param_ids.size());
  data::Batcher batcher(train, config_.batch_size, /*shuffle=*/true, config_.seed);
  std::vector<graph::Tensor> inputs(1);
  std::vector<graph::Tensor> output_grads(1);
  data::Batch batch;

  while (epoch_ < config_.epochs && !stopped_early_) {
    const int epoch = epoch_;
    EpochRecord record;
    record.epoch = epoch + 1;
    batcher.start_epoch(epoch);
    ProgressBar bar(config_.progress, epoch + 1, config_.epochs, batcher.batches_per_epoch());
    double loss_sum = 0, absolute_error = 0, correct = 0;
    int64_t seen = 0, done = 0;
    const auto start = std::chrono::steady_clock::now();
    while (batcher.next(batch)) {
      if (config_.augmentation.enabled()) {
        if (train.is_detection()) {
          data::augment_detection(batch.features, batch.boxes, config_.augmentation.image, rng_);
        } else {
          data::augment(batch.features, config_.augmentation, rng_);
        }
      }
      if (config_.schedule)
        optimizer_.set_learning_rate(learning_rate_at(*config_.schedule, epoch, step_));
      if (done == 0) record.learning_rate = optimizer_.learning_rate();
      std::swap(inputs[0], batch.features);
      const std::vector<graph::Tensor>& out = executor_.forward(inputs, true, rng_);
      const BatchResult r = loss_and_grad(out[0], inputs[0], batch, &output_grads[0], true);
      if (!std::isfinite(r.loss)) {
        throw host::Error("training: the loss became " + std::to_string(r.loss) + " at epoch " +
                          std::to_string(epoch + 1) + ", step " + std::to_string(step_ + 1) +
                          " (try a lower learning rate)");
      }
      executor_.backward(output_grads);
      for (size_t k = 0; k < param_ids.size(); ++k)
        updates[k] = {&graph_.value(param_ids[k]).data, &executor_.gradient(param_ids[k])};
      optimizer_.step(updates);
      ++step_;
      const int64_t b = static_cast<int64_t>(batch.indices.size());
      loss_sum += r.loss * b;
      correct += r.correct;
      absolute_error += r.absolute_error;
      seen += b;
      bar.update(++done, loss_sum / seen,
                 accuracy ? 100.0 * correct / std::max<int64_t>(seen, 1) : kNaN);
    }
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.train_loss = loss_sum / std::max<int64_t>(seen, 1);
    record.train_accuracy_pct = accuracy ? 100.0 * correct / std::max<int64_t>(seen, 1) : kNaN;
    if (regression_)
      record.train_mae = absolute_error / std::max<int64_t>(seen * train.num_targets(), 1);
    std::string tail;
    if (!validation.empty()) {
      const Evaluation v = evaluate(validation);
      record_evaluation(v, record.val_loss, record.val_accuracy_pct, record.val_mae,
                        record.val_rmse, record.val_r2);
      tail += evaluation_summary("val", v);
    }
    if (early_stopping_) {
      const double monitored = early_stopping_->config().monitor == Monitor::kValLoss
                                   ? record.val_loss
                                   : record.val_accuracy_pct;
      if (early_stopping_->update(monitored)) {
        std::vector<const graph::Tensor*> p;
        for (graph::Tensor* t : parameters()) p.push_back(t);
        best_weights_.save(p);
      }
      if (early_stopping_->should_stop()) {
        stopped_early_ = true;
        tail += " | early stop";
      }
    }
    bar.finish(tail);
    ++epoch_;
    history_.push_back(record);
    write_log_row(record);
    // The best weights go back once training ends, before the final checkpoint is written.
    const bool last = epoch_ >= config_.epochs || stopped_early_;
    if (last && early_stopping_ && early_stopping_->config().restore_best && !best_weights_.empty())
      best_weights_.restore(parameters());
    if (on_epoch) on_epoch(record);
  }
  return history_;
}

int Trainer::recompute_unconverged_batch_norm(const data::Dataset& train) {
  const std::vector<int> nodes = unconverged_batch_norms(graph_, step_);
  moving_statistics_.clear();
  for (int n : nodes) {
    for (int k : {3, 4}) {
      const int id = graph_.nodes()[n].inputs[k];
      moving_statistics_.emplace_back(id, graph_.value(id).data);
    }
  }
  recompute_batch_norm_statistics(graph_, executor_, train, config_.batch_size, nodes);
  return static_cast<int>(nodes.size());
}

Evaluation Trainer::evaluate(const data::Dataset& dataset) {
  Evaluation e;
  if (dataset.empty()) return e;
  check_task(dataset);
  data::Batcher batcher(dataset, std::max<int64_t>(config_.batch_size, 256), /*shuffle=*/false,
                        config_.seed);
  batcher.start_epoch(0);
  std::mt19937_64 unused(0);  // inference draws nothing; the training generator stays untouched
  std::vector<graph::Tensor> inputs(1);
  data::Batch batch;
  double loss_sum = 0, correct = 0;
  int64_t seen = 0;
  std::vector<float> outputs;
  graph::Shape out_shape;
  while (batcher.next(batch)) {
    std::swap(inputs[0], batch.features);
    const std::vector<graph::Tensor>& out = executor_.forward(inputs, false, unused);
    const int64_t b = static_cast<int64_t>(batch.indices.size());
    outputs.insert(outputs.end(), out[0].values().begin(), out[0].values().end());
    out_shape = out[0].shape();
    if (dataset.is_regression()) continue;  // the loss and metrics come from all outputs below
    const BatchResult r = loss_and_grad(out[0], inputs[0], batch, nullptr, false);
    loss_sum += r.loss * b;
    correct += r.correct;
    seen += b;
    if (config_.reconstruct) {
      const std::vector<float> err =
          per_sample_squared_error(out[0], inputs[0].reshaped(out[0].shape()));
      e.reconstruction_error.insert(e.reconstruction_error.end(), err.begin(), err.end());
    }
  }
  out_shape[0] = dataset.size();
  graph::Tensor all(out_shape, std::move(outputs));
  if (dataset.is_regression())
    return evaluate_regression(std::move(all), dataset, config_.loss, config_.target_scale);
  e.loss = loss_sum / seen;
  if (!config_.reconstruct) e.accuracy_pct = 100.0 * correct / seen;
  e.outputs = std::move(all);
  return e;
}

void Trainer::write_log_row(const EpochRecord&) const {
  if (config_.log_csv.empty()) return;
  // Rewritten whole from the history each epoch, so a resumed run's log matches an
  // uninterrupted one and a crash never leaves half a row. Regression logs MAE, RMSE and R²
  // where classification logs accuracy.
  std::vector<std::pair<const char*, double EpochRecord::*>> columns;
  for (const auto& column : record_fields()) {
    const std::string name = column.first;
    const bool regression_only = name.find("_mae") != std::string::npos ||
                                 name.find("_rmse") != std::string::npos ||
                                 name.find("_r2") != std::string::npos;
    const bool accuracy = name.find("accuracy") != std::string::npos;
    if ((regression_ && !accuracy) || (!regression_ && !regression_only)) columns.push_back(column);
  }
  std::string text = "epoch";
  for (const auto& [name, field] : columns) {
    text += ',';
    text += name;
  }
  text += "\n";
  for (const EpochRecord& r : history_) {
    text += std::to_string(r.epoch);
    for (const auto& [name, field] : columns) {
      text += ',';
      text += csv_number(r.*field);
    }
    text += "\n";
  }
  host::write_file(config_.log_csv, text.data(), text.size());
}

void Trainer::save_state(Checkpoint& c) const {
  const std::vector<int> ids = graph_.trainable_parameters();
  const OptimizerState s = optimizer_.state();
  c.optimizer.name = s.kind;
  c.optimizer.step = optimizer_.steps();
  c.optimizer.settings = {{"scalars", s.scalars}, {"learning_rate", optimizer_.learning_rate()}};
  c.optimizer.tensors.clear();
  // Slot after slot, one tensor per parameter (OptimizerState's layout), named for readers.
  for (size_t i = 0; i < s.tensors.size(); ++i) {
    const std::string param = ids.empty() ? "" : graph_.value(ids[i % ids.size()]).name;
    c.optimizer.tensors.emplace_back(
        "slot" + std::to_string(ids.empty() ? 0 : i / ids.size()) + "/" + param, s.tensors[i]);
  }
  c.training.epoch = epoch_;
  c.training.step = step_;
  c.training.rng = rng_state(rng_);
  nlohmann::json history = nlohmann::json::array();
  for (const EpochRecord& r : history_) history.push_back(record_json(r));
  c.training.extra = {{"history", history}, {"stopped_early", stopped_early_}};
  if (early_stopping_) c.training.extra["early_stopping"] = early_stopping_->state();
  c.training.tensors.clear();
  for (size_t i = 0; i < best_weights_.tensors().size(); ++i) {
    c.training.tensors.emplace_back("best/" + graph_.value(ids.at(i)).name,
                                    best_weights_.tensors()[i]);
  }
  for (const auto& [id, t] : moving_statistics_)
    c.training.tensors.emplace_back(kMovingPrefix + graph_.value(id).name, t);
}

void Trainer::restore_state(const Checkpoint& c) {
  OptimizerState s;
  s.kind = c.optimizer.name;
  try {
    s.scalars = c.optimizer.settings.at("scalars").get<std::vector<double>>();
    for (const auto& [name, t] : c.optimizer.tensors) s.tensors.push_back(t);
    optimizer_.load_state(s);
    epoch_ = static_cast<int>(c.training.epoch);
    step_ = c.training.step;
    if (!c.training.rng.empty()) restore_rng(rng_, c.training.rng);
    history_.clear();
    for (const nlohmann::json& r : c.training.extra.at("history"))
      history_.push_back(record_from_json(r));
    stopped_early_ = c.training.extra.value("stopped_early", false);
    if (early_stopping_ && c.training.extra.contains("early_stopping")) {
      early_stopping_->load_state(c.training.extra["early_stopping"].get<std::vector<double>>());
    }
    std::vector<const graph::Tensor*> best;
    for (const auto& [name, t] : c.training.tensors) {
      if (name.rfind(kMovingPrefix, 0) == 0) {
        // Moving averages a recomputation replaced: training continues from them.
        restore_moving_statistics(graph_, name.substr(std::strlen(kMovingPrefix)), t);
      } else {
        best.push_back(&t);
      }
    }
    if (!best.empty()) best_weights_.save(best);
  } catch (const nlohmann::json::exception& e) {
    throw host::Error(std::string("checkpoint: training state is malformed: ") + e.what());
  }
}

}  // namespace tinyforge::train
