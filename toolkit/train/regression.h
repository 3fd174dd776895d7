// Regression in the trainer: the loss is taken on standardized targets (divided by their standard
// deviation on the training split, which the model's output layer multiplies back), so its size
// and the learning rate do not depend on the targets' units; the metrics are in those units.
#ifndef TINYFORGE_TOOLKIT_TRAIN_REGRESSION_H_
#define TINYFORGE_TOOLKIT_TRAIN_REGRESSION_H_

#include <span>
#include <vector>

#include "toolkit/data/dataset.h"
#include "toolkit/graph/tensor.h"
#include "toolkit/train/loss.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::train {

// How a regression's loss is taken: the loss and the per-target scale (empty = 1).
struct RegressionLoss {
  LossKind kind = LossKind::kMeanSquaredError;
  std::vector<float> scale;
};

// Throws host::Error unless `kind` trains a regression model (mse or mae).
void check_regression_loss(LossKind kind);

// mse or mae between predictions and targets [N, T] after dividing column t of both by scale[t]
// (empty = 1); the gradient is in the predictions' units. `predictions` may have any shape with
// the targets' element count (it is read as [N, T]; the gradient takes its shape).
LossOutput standardized_regression_loss(LossKind kind, const graph::Tensor& predictions,
                                        const graph::Tensor& targets, std::span<const float> scale);

// A regression model's outputs on `set` (num_targets values per sample, in dataset order) as an
// Evaluation: `loss` as the trainer takes it, and MAE, RMSE, R² in the targets' units.
Evaluation evaluate_regression(graph::Tensor outputs, const data::Dataset& set, LossKind kind,
                               std::span<const float> scale);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_REGRESSION_H_
