// SGD (momentum, Nesterov), Adam and AdamW with PyTorch's update rules (torch.optim's
// single-tensor CPU path: per-element float arithmetic, scalars formed in double), so recipes
// tuned in PyTorch carry over. Results agree with torch.optim to about one float ulp per step, not
// bit for bit: PyTorch's vectorized kernels fuse some multiply-adds, and a std::fma per element
// would cost more than the rest of the update. State (step count, moments) can be saved and
// loaded so a checkpoint resumes exactly.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPTIMIZER_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPTIMIZER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "toolkit/graph/tensor.h"

namespace tinyforge::train {

enum class OptimizerKind { kSgd, kAdam, kAdamW };

// "sgd", "adam", "adamw"; throws host::Error naming the valid names.
OptimizerKind optimizer_kind_from_name(const std::string& name);
const char* optimizer_kind_name(OptimizerKind kind);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kAdam;
  double learning_rate = 1e-3;
  // SGD and Adam: L2 penalty added to the gradient (g += wd p). AdamW: decoupled decay
  // (p *= 1 - lr wd before the Adam step); PyTorch's AdamW default is 0.01.
  double weight_decay = 0;
  // SGD.
  double momentum = 0;
  double dampening = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0, as in PyTorch
  // Adam, AdamW.
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

// The same parameters, in the same order, must be passed to every step().
struct ParameterGradient {
  graph::Tensor* parameter;
  const graph::Tensor* gradient;  // same shape as the parameter
};

// Flat, serializable optimizer state. scalars = {steps taken, learning rate}; tensors = per slot
// (SGD: momentum buffer; Adam/AdamW: first moments, then second moments) one tensor per
// parameter, slot after slot. Empty tensors before the first step.
struct OptimizerState {
  std::string kind;
  std::vector<double> scalars;
  std::vector<graph::Tensor> tensors;
};

class Optimizer {
 public:
  // Throws host::Error for out-of-range hyperparameters (negative rates, betas outside [0, 1)).
  explicit Optimizer(OptimizerConfig config);

  // One update of every parameter from its gradient at the current learning rate.
  void step(std::span<const ParameterGradient> parameters);

  // Schedules set this before each step.
  void set_learning_rate(double learning_rate);
  double learning_rate() const { return config_.learning_rate; }
  int64_t steps() const { return steps_; }
  const OptimizerConfig& config() const { return config_; }

  OptimizerState state() const;
  // Throws host::Error if the state is from another kind of optimizer or malformed; tensor
  // shapes are checked against the parameters at the next step().
  void load_state(const OptimizerState& state);

 private:
  int slots() const;  // state tensors per parameter
  void prepare(std::span<const ParameterGradient> parameters);
  // `buffer` is null without momentum; `first` is the first step (the buffer starts there).
  void sgd_step(graph::Tensor& p, const graph::Tensor& g, graph::Tensor* buffer, bool first) const;
  void adam_step(graph::Tensor& p, const graph::Tensor& g, graph::Tensor& m,
                 graph::Tensor& v) const;

  OptimizerConfig config_;
  int64_t steps_ = 0;
  // slots() * parameter count tensors, laid out as in OptimizerState.
  std::vector<graph::Tensor> state_;
};

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPTIMIZER_H_
