// When training changes pace and when it stops: learning-rate schedules as a pure function of the
// position in training, and early stopping on a validation metric.
#ifndef TINYFORGE_TOOLKIT_TRAIN_SCHEDULE_H_
#define TINYFORGE_TOOLKIT_TRAIN_SCHEDULE_H_

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "toolkit/graph/tensor.h"

namespace tinyforge::train {

// constant: base. step: base * gamma^floor(t / step_size) (PyTorch's StepLR). cosine:
// min + (base - min) (1 + cos(pi t / (total - warmup))) / 2, then min once t passes the end
// (CosineAnnealingLR's closed form). linear_warmup: constant after a warm-up (warmup > 0).
// Every kind may start with `warmup` positions of linear warm-up, lr = base (t + 1) / warmup, so
// the first update is already non-zero and position warmup - 1 reaches base; the schedule proper
// then starts at t = 0 after it.
enum class ScheduleKind { kConstant, kStep, kCosine, kLinearWarmup };
// Positions count epochs (t = epoch index) or optimizer steps (t = global batch index).
enum class ScheduleUnit { kEpoch, kStep };

// "constant", "step", "cosine", "linear_warmup" / "epoch", "step"; throw host::Error otherwise.
ScheduleKind schedule_kind_from_name(const std::string& name);
const char* schedule_kind_name(ScheduleKind kind);
ScheduleUnit schedule_unit_from_name(const std::string& name);

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::kConstant;
  ScheduleUnit unit = ScheduleUnit::kEpoch;
  double base_lr = 1e-3;
  int64_t warmup = 0;     // positions of linear warm-up before the schedule
  int64_t step_size = 1;  // step: positions between decays
  double gamma = 0.1;     // step: decay factor
  int64_t total = 0;      // cosine: positions in all, warm-up included (> warmup)
  double min_lr = 0;      // cosine: the floor
};

// Throws host::Error naming the field if the configuration is inconsistent.
void validate(const ScheduleConfig& config);
// Learning rate at position t >= 0 (0-based).
double learning_rate_at(const ScheduleConfig& config, int64_t t);
// Picks the position by the config's unit: the epoch index or the global step index.
double learning_rate_at(const ScheduleConfig& config, int64_t epoch, int64_t global_step);

enum class Monitor { kValLoss, kValAccuracy };
// "val_loss", "val_accuracy"; throws host::Error otherwise.
Monitor monitor_from_name(const std::string& name);

struct EarlyStoppingConfig {
  Monitor monitor = Monitor::kValLoss;  // loss must fall, accuracy must rise
  int patience = 5;                     // epochs without improvement tolerated before stopping
  double min_delta = 0;                 // an improvement must beat the best by more than this
  bool restore_best = true;             // the trainer puts the best epoch's weights back at the end
};

// Keras's rule: an epoch improves if it beats the best by more than min_delta; training stops
// once `patience` epochs in a row have not improved. A NaN value never improves.
class EarlyStopping {
 public:
  explicit EarlyStopping(EarlyStoppingConfig config);

  // Records one epoch's monitored value; true if it is the new best (save the weights then).
  bool update(double value);
  bool should_stop() const { return stop_; }
  double best() const { return best_; }
  int best_epoch() const { return best_epoch_; }  // 0-based; -1 before any improvement
  int epochs_without_improvement() const { return wait_; }
  const EarlyStoppingConfig& config() const { return config_; }

  // {best, best epoch, wait, epochs seen, stop} for checkpoints.
  std::vector<double> state() const;
  void load_state(std::span<const double> state);

 private:
  EarlyStoppingConfig config_;
  double best_;
  int best_epoch_ = -1;
  int wait_ = 0;
  int epochs_ = 0;
  bool stop_ = false;
};

// A copy of parameter values taken at the best epoch, to put back for restore_best.
class BestWeights {
 public:
  void save(std::span<const graph::Tensor* const> parameters);
  // Throws host::Error if nothing was saved or the parameters no longer match.
  void restore(std::span<graph::Tensor* const> parameters) const;
  bool empty() const { return saved_.empty(); }
  const std::vector<graph::Tensor>& tensors() const { return saved_; }

 private:
  std::vector<graph::Tensor> saved_;
};

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_SCHEDULE_H_
