// The training loop: shuffled mini-batches (order a function of seed and epoch), forward and
// backward through train::Executor, the loss, an optimizer step at the scheduled learning rate,
// evaluation on the validation split after each epoch (never the test split: that is evaluated
// once, after training, by the caller), early stopping and the best weights chosen on it, a
// progress bar on stderr and one log.csv row per epoch. Its whole state goes into a Checkpoint
// after every epoch, and a run resumed from one continues exactly as if it had never stopped.
#ifndef TINYFORGE_TOOLKIT_TRAIN_TRAINER_H_
#define TINYFORGE_TOOLKIT_TRAIN_TRAINER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "toolkit/data/batcher.h"
#include "toolkit/data/config.h"
#include "toolkit/data/dataset.h"
#include "toolkit/graph/graph.h"
#include "toolkit/metrics/regression_metrics.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/executor.h"
#include "toolkit/train/loss.h"
#include "toolkit/train/optimizer.h"
#include "toolkit/train/schedule.h"

namespace tinyforge::train {

struct TrainerConfig {
  int epochs = 5;
  int64_t batch_size = 64;
  uint64_t seed = 1234;  // batch order, dropout and augmentation
  LossKind loss = LossKind::kCrossEntropy;
  CrossEntropyOptions cross_entropy;  // class weights, label smoothing
  bool reconstruct = false;           // targets are the inputs (autoencoders), loss MSE
  // A detection set's model gives boxes too: [N, rows, cols, classes + 4] (box_targets.h), not
  // only per-cell class logits (centroid_targets.h).
  bool box_detector = false;
  // Regression (the dataset has targets): per target, the standard deviation the loss divides
  // targets and outputs by (the training split's; train/regression.h). Empty = 1.
  std::vector<float> target_scale;
  OptimizerConfig optimizer;
  std::optional<ScheduleConfig> schedule;             // none = the optimizer's constant rate
  std::optional<EarlyStoppingConfig> early_stopping;  // needs a validation split
  data::Augmentation augmentation;                    // applied to training batches
  std::filesystem::path log_csv;                      // empty = no log file
  bool progress = true;                               // the bar on stderr
};

// One epoch's figures; NaN where there is no validation split (and accuracy for regression,
// MAE/RMSE/R² for classification).
struct EpochRecord {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;  // 1-based
  double learning_rate = 0;
  double train_loss = 0, train_accuracy_pct = 0;
  double val_loss = kNone, val_accuracy_pct = kNone;
  double train_mae = kNone;
  double val_mae = kNone, val_rmse = kNone, val_r2 = kNone;
  double seconds = 0;  // training time of the epoch (evaluation excluded)
};

// Outputs of a whole split, in dataset order.
struct Evaluation {
  double loss = 0;
  double accuracy_pct = std::numeric_limits<double>::quiet_NaN();  // classifiers only
  graph::Tensor outputs;                    // [N, ...] the model's outputs (logits for classifiers)
  std::vector<float> reconstruction_error;  // autoencoders: per sample
  std::optional<metrics::RegressionMetrics> regression;  // regression: MAE, RMSE, R²
};

class Trainer {
 public:
  // The graph must outlive the trainer; its parameters are trained in place. Throws host::Error
  // for settings that cannot work (early stopping without validation is checked in fit()).
  Trainer(graph::Graph& graph, TrainerConfig config);

  // Trains from the current epoch up to config.epochs (or an early stop). `validation` may be
  // empty. `on_epoch` runs after each epoch's record is logged (checkpointing).
  std::vector<EpochRecord> fit(const data::Dataset& train, const data::Dataset& validation,
                               const std::function<void(const EpochRecord&)>& on_epoch = {});

  // After fit(): BatchNorm layers whose moving statistics cannot have converged in the steps
  // trained (batch_norm_statistics.h) get them measured on `train`. The moving averages stay in
  // the training state (save_state), so a resumed run continues exactly. Returns the number of
  // layers recomputed.
  int recompute_unconverged_batch_norm(const data::Dataset& train);

  // Inference mode over a split (batched, no dropout, BatchNorm moving statistics).
  Evaluation evaluate(const data::Dataset& dataset);

  // Training state into / out of a checkpoint (graph weights are the graph's own business).
  void save_state(Checkpoint& checkpoint) const;
  void restore_state(const Checkpoint& checkpoint);

  int epochs_done() const { return epoch_; }
  int64_t steps_done() const { return step_; }
  bool stopped_early() const { return stopped_early_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  const TrainerConfig& config() const { return config_; }

 private:
  struct BatchResult {
    double loss;
    double correct;         // samples classified right (a detector: the share of its cells)
    double absolute_error;  // regression: the sum of |output - target| over the batch
  };
  // `batch` gives the labels or targets (its features have moved to `input`).
  BatchResult loss_and_grad(const graph::Tensor& output, const graph::Tensor& input,
                            const data::Batch& batch, graph::Tensor* grad,
                            bool with_class_weights) const;
  // Throws host::Error for settings that cannot work with `dataset`'s task.
  void check_task(const data::Dataset& dataset) const;
  void write_log_row(const EpochRecord& r) const;
  std::vector<graph::Tensor*> parameters();

  graph::Graph& graph_;
  TrainerConfig config_;
  Executor executor_;
  Optimizer optimizer_;
  std::optional<EarlyStopping> early_stopping_;
  BestWeights best_weights_;
  // The moving statistics recompute_unconverged_batch_norm() replaced: value id and tensor.
  std::vector<std::pair<int, graph::Tensor>> moving_statistics_;
  std::mt19937_64 rng_;  // dropout and augmentation draws
  int epoch_ = 0;        // epochs completed
  int64_t step_ = 0;
  bool stopped_early_ = false;
  bool regression_ = false;  // the last fit() was on regression data (log.csv's columns)
  std::vector<EpochRecord> history_;
};

// Which layers keep their weights while the rest trains (fine-tuning a pretrained model). A layer
// is a node that reads trainable parameters (FC, conv, depthwise, BatchNorm, ...), named by the
// node's name; "the last N" counts such layers in execution order.
struct FreezeSpec {
  std::vector<std::string> layers;  // these layers, by name
  int all_but_last = -1;            // every layer except the last N (>= 0; 0 = all)
  int first = -1;                   // the first N layers
  bool empty() const { return layers.empty() && all_but_last < 0 && first < 0; }
};

// Freezes the chosen layers by turning their parameters into ValueKind::kState, the IR's
// non-trainable weights: the executor then computes no gradient for them (nor for anything only
// they depend on), and the trainer's optimizer never sees them, so they stay bit-identical. A
// frozen BatchNorm runs as in inference while the rest trains: it normalizes with its moving
// statistics and never updates them (Executor), as Keras does for trainable = False. Returns the
// frozen layers' names, in order. Throws host::Error naming an unknown layer (and listing the known
// ones) or a count beyond the layers.
std::vector<std::string> freeze_layers(graph::Graph& graph, const FreezeSpec& spec);

// Names of the layers (nodes reading trainable parameters), in execution order.
std::vector<std::string> trainable_layers(const graph::Graph& graph);

// Per-class weights n / (C * count_c), as scikit-learn's "balanced"; classes without samples
// get 0.
std::vector<float> balanced_class_weights(const data::Dataset& train);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_TRAINER_H_
