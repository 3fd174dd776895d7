#include "toolkit/train/schedule.h"

#include <cmath>
#include <numbers>

#include "toolkit/host/error.h"

namespace tinyforge::train {

using graph::Tensor;

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw host::Error(what);
}

}  // namespace

ScheduleKind schedule_kind_from_name(const std::string& name) {
  if (name == "constant") return ScheduleKind::kConstant;
  if (name == "step") return ScheduleKind::kStep;
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "linear_warmup") return ScheduleKind::kLinearWarmup;
  throw host::Error("schedule '" + name + "': expected constant, step, cosine or linear_warmup");
}

const char* schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kConstant:
      return "constant";
    case ScheduleKind::kStep:
      return "step";
    case ScheduleKind::kCosine:
      return "cosine";
    case ScheduleKind::kLinearWarmup:
      return "linear_warmup";
  }
  return "?";
}

ScheduleUnit schedule_unit_from_name(const std::string& name) {
  if (name == "epoch") return ScheduleUnit::kEpoch;
  if (name == "step") return ScheduleUnit::kStep;
  throw host::Error("schedule unit '" + name + "': expected epoch or step");
}

void validate(const ScheduleConfig& c) {
  require(std::isfinite(c.base_lr) && c.base_lr >= 0, "schedule: base_lr must be >= 0");
  require(c.warmup >= 0, "schedule: warmup must be >= 0");
  switch (c.kind) {
    case ScheduleKind::kConstant:
      break;
    case ScheduleKind::kStep:
      require(c.step_size >= 1, "schedule step: step_size must be >= 1");
      require(c.gamma > 0, "schedule step: gamma must be > 0");
      break;
    case ScheduleKind::kCosine:
      require(c.total > c.warmup, "schedule cosine: total (" + std::to_string(c.total) +
                                      ") must exceed warmup (" + std::to_string(c.warmup) + ")");
      require(c.min_lr >= 0 && c.min_lr <= c.base_lr,
              "schedule cosine: min_lr must be in [0, base_lr]");
      break;
    case ScheduleKind::kLinearWarmup:
      require(c.warmup > 0, "schedule linear_warmup: warmup must be > 0");
      break;
  }
}

double learning_rate_at(const ScheduleConfig& c, int64_t t) {
  validate(c);
  require(t >= 0, "schedule: position " + std::to_string(t) + " is negative");
  if (t < c.warmup) {
    return c.base_lr * static_cast<double>(t + 1) / static_cast<double>(c.warmup);
  }
  const int64_t s = t - c.warmup;
  switch (c.kind) {
    case ScheduleKind::kConstant:
    case ScheduleKind::kLinearWarmup:
      return c.base_lr;
    case ScheduleKind::kStep:
      return c.base_lr * std::pow(c.gamma, static_cast<double>(s / c.step_size));
    case ScheduleKind::kCosine: {
      const int64_t span = c.total - c.warmup;
      if (s >= span) return c.min_lr;
      const double progress = static_cast<double>(s) / static_cast<double>(span);
      return c.min_lr + (c.base_lr - c.min_lr) * (1 + std::cos(std::numbers::pi * progress)) / 2;
    }
  }
  return c.base_lr;
}

double learning_rate_at(const ScheduleConfig& c, int64_t epoch, int64_t global_step) {
  return learning_rate_at(c, c.unit == ScheduleUnit::kEpoch ? epoch : global_step);
}

Monitor monitor_from_name(const std::string& name) {
  if (name == "val_loss") return Monitor::kValLoss;
  if (name == "val_accuracy") return Monitor::kValAccuracy;
  throw host::Error("early stopping monitor '" + name + "': expected val_loss or val_accuracy");
}

EarlyStopping::EarlyStopping(EarlyStoppingConfig config)
    : config_(config),
      best_(config.monitor == Monitor::kValLoss ? std::numeric_limits<double>::infinity()
                                                : -std::numeric_limits<double>::infinity()) {
  require(config.patience >= 0, "early stopping: patience must be >= 0");
  require(config.min_delta >= 0, "early stopping: min_delta must be >= 0");
}

bool EarlyStopping::update(double value) {
  const bool improved = config_.monitor == Monitor::kValLoss ? value < best_ - config_.min_delta
                                                             : value > best_ + config_.min_delta;
  if (improved) {
    best_ = value;
    best_epoch_ = epochs_;
    wait_ = 0;
  } else {
    ++wait_;
    if (wait_ >= config_.patience) stop_ = true;
  }
  ++epochs_;
  return improved;
}

std::vector<double> EarlyStopping::state() const {
  return {best_, static_cast<double>(best_epoch_), static_cast<double>(wait_),
          static_cast<double>(epochs_), stop_ ? 1.0 : 0.0};
}

void EarlyStopping::load_state(std::span<const double> state) {
  require(state.size() == 5, "early stopping: state has " + std::to_string(state.size()) +
                                 " values, expected 5 (best, best epoch, wait, epochs, stop)");
  best_ = state[0];
  best_epoch_ = static_cast<int>(state[1]);
  wait_ = static_cast<int>(state[2]);
  epochs_ = static_cast<int>(state[3]);
  stop_ = state[4] != 0;
}

void BestWeights::save(std::span<const Tensor* const> parameters) {
  saved_.clear();
  saved_.reserve(parameters.size());
  for (const Tensor* p : parameters) saved_.push_back(*p);
}

void BestWeights::restore(std::span<Tensor* const> parameters) const {
  require(!saved_.empty() || parameters.empty(), "restore best weights: none were saved");
  require(parameters.size() == saved_.size(),
          "restore best weights: " + std::to_string(saved_.size()) + " saved but " +
              std::to_string(parameters.size()) + " parameters");
  for (size_t i = 0; i < saved_.size(); ++i) {
    require(parameters[i]->shape() == saved_[i].shape(),
            "restore best weights: parameter " + std::to_string(i) + " changed shape");
    *parameters[i] = saved_[i];
  }
}

}  // namespace tinyforge::train
