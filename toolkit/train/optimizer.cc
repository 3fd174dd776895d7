#include "toolkit/train/optimizer.h"

#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::train {

using graph::Tensor;

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw host::Error("optimizer: " + what);
}

}  // namespace

OptimizerKind optimizer_kind_from_name(const std::string& name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "adamw") return OptimizerKind::kAdamW;
  throw host::Error("optimizer '" + name + "': expected sgd, adam or adamw");
}

const char* optimizer_kind_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return "sgd";
    case OptimizerKind::kAdam:
      return "adam";
    case OptimizerKind::kAdamW:
      return "adamw";
  }
  return "?";
}

Optimizer::Optimizer(OptimizerConfig config) : config_(config) {
  set_learning_rate(config.learning_rate);
  require(config.weight_decay >= 0, "weight_decay must be >= 0");
  require(config.momentum >= 0, "momentum must be >= 0");
  require(config.dampening >= 0 && config.dampening <= 1, "dampening must be in [0, 1]");
  require(!config.nesterov || (config.momentum > 0 && config.dampening == 0),
          "nesterov needs momentum > 0 and dampening 0");
  require(config.beta1 >= 0 && config.beta1 < 1, "beta1 must be in [0, 1)");
  require(config.beta2 >= 0 && config.beta2 < 1, "beta2 must be in [0, 1)");
  require(config.epsilon >= 0, "epsilon must be >= 0");
}

void Optimizer::set_learning_rate(double learning_rate) {
  require(std::isfinite(learning_rate) && learning_rate >= 0,
          "learning rate must be finite and >= 0, got " + std::to_string(learning_rate));
  config_.learning_rate = learning_rate;
}

int Optimizer::slots() const {
  switch (config_.kind) {
    case OptimizerKind::kSgd:
      return config_.momentum != 0 ? 1 : 0;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW:
      return 2;
  }
  return 0;
}

// Checks the parameter list and creates (zeroed) state on the first step, or checks loaded
// state against it.
void Optimizer::prepare(std::span<const ParameterGradient> parameters) {
  const size_t n = parameters.size();
  for (size_t i = 0; i < n; ++i) {
    const ParameterGradient& pg = parameters[i];
    require(pg.parameter && pg.gradient, "parameter " + std::to_string(i) + " is null");
    require(pg.parameter->shape() == pg.gradient->shape(),
            "parameter " + std::to_string(i) + " has shape " +
                graph::shape_string(pg.parameter->shape()) + " but its gradient " +
                graph::shape_string(pg.gradient->shape()));
  }
  const size_t count = static_cast<size_t>(slots()) * n;
  if (state_.empty() && count != 0) {
    // SGD's buffer is a copy of the first gradient (PyTorch); it is filled in sgd_step.
    state_.reserve(count);
    for (size_t k = 0; k < count; ++k) state_.emplace_back(parameters[k % n].parameter->shape());
    return;
  }
  require(state_.size() == count, "state holds " + std::to_string(state_.size()) + " tensors but " +
                                      std::to_string(n) + " parameters need " +
                                      std::to_string(count));
  for (size_t k = 0; k < count; ++k) {
    require(state_[k].shape() == parameters[k % n].parameter->shape(),
            "state tensor " + std::to_string(k) + " has shape " +
                graph::shape_string(state_[k].shape()) + " but parameter " + std::to_string(k % n) +
                " has shape " + graph::shape_string(parameters[k % n].parameter->shape()));
  }
}

void Optimizer::step(std::span<const ParameterGradient> parameters) {
  prepare(parameters);
  const bool first = steps_ == 0;
  ++steps_;
  const size_t n = parameters.size();
  for (size_t i = 0; i < n; ++i) {
    Tensor& p = *parameters[i].parameter;
    const Tensor& g = *parameters[i].gradient;
    if (config_.kind == OptimizerKind::kSgd) {
      sgd_step(p, g, slots() == 0 ? nullptr : &state_[i], first);
    } else {
      adam_step(p, g, state_[i], state_[n + i]);
    }
  }
}

void Optimizer::sgd_step(Tensor& p, const Tensor& g, Tensor* buffer, bool first) const {
  const float lr = static_cast<float>(config_.learning_rate);
  const float wd = static_cast<float>(config_.weight_decay);
  const float momentum = static_cast<float>(config_.momentum);
  const float keep = static_cast<float>(1 - config_.dampening);
  for (int64_t k = 0; k < p.size(); ++k) {
    float d = g[k];
    if (wd != 0) d += wd * p[k];
    if (buffer) {
      // PyTorch starts the buffer as the first (decayed) gradient, undamped.
      float& b = (*buffer)[k];
      b = first ? d : b * momentum + keep * d;
      d = config_.nesterov ? d + momentum * b : b;
    }
    p[k] -= lr * d;
  }
}

void Optimizer::adam_step(Tensor& p, const Tensor& g, Tensor& m, Tensor& v) const {
  const double lr = config_.learning_rate;
  const double t = static_cast<double>(steps_);
  const float wd = static_cast<float>(config_.weight_decay);
  const bool decoupled = config_.kind == OptimizerKind::kAdamW;
  const float decay = static_cast<float>(1 - lr * config_.weight_decay);
  const float w1 = static_cast<float>(1 - config_.beta1);
  const float beta2 = static_cast<float>(config_.beta2);
  const float w2 = static_cast<float>(1 - config_.beta2);
  // As torch.optim: step_size = lr / (1 - b1^t), denom = sqrt(v) / sqrt(1 - b2^t) + eps.
  const float step_size = static_cast<float>(lr / (1 - std::pow(config_.beta1, t)));
  const float correction2_sqrt = static_cast<float>(std::sqrt(1 - std::pow(config_.beta2, t)));
  const float eps = static_cast<float>(config_.epsilon);
  for (int64_t k = 0; k < p.size(); ++k) {
    float d = g[k];
    if (decoupled) {
      p[k] *= decay;
    } else if (wd != 0) {
      d += wd * p[k];
    }
    // torch's lerp(m, g, 1 - b1), whose formula depends on the weight's side of 0.5.
    m[k] = w1 < 0.5f ? m[k] + w1 * (d - m[k]) : d - (d - m[k]) * (1 - w1);
    v[k] = v[k] * beta2 + w2 * d * d;
    p[k] -= step_size * (m[k] / (std::sqrt(v[k]) / correction2_sqrt + eps));
  }
}

OptimizerState Optimizer::state() const {
  return {optimizer_kind_name(config_.kind),
          {static_cast<double>(steps_), config_.learning_rate},
          state_};
}

void Optimizer::load_state(const OptimizerState& state) {
  require(state.kind == optimizer_kind_name(config_.kind),
          "state is from '" + state.kind + "' but this optimizer is '" +
              optimizer_kind_name(config_.kind) + "'");
  require(state.scalars.size() == 2, "state has " + std::to_string(state.scalars.size()) +
                                         " scalars, expected 2 (steps, learning rate)");
  const double steps = state.scalars[0];
  require(steps >= 0 && steps == std::floor(steps), "state step count is not a whole number");
  require(slots() == 0 ? state.tensors.empty()
                       : state.tensors.size() % static_cast<size_t>(slots()) == 0,
          "state holds " + std::to_string(state.tensors.size()) + " tensors, not a multiple of " +
              std::to_string(slots()) + " per parameter");
  require(slots() == 0 || (steps > 0) == !state.tensors.empty(),
          "state must hold moments exactly when steps were taken");
  set_learning_rate(state.scalars[1]);
  steps_ = static_cast<int64_t>(steps);
  state_ = state.tensors;
}

}  // namespace tinyforge::train
