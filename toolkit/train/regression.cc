#include "toolkit/train/regression.h"

#include "toolkit/host/error.h"

namespace tinyforge::train {

void check_regression_loss(LossKind kind) {
  if (kind != LossKind::kMeanSquaredError && kind != LossKind::kMeanAbsoluteError) {
    throw host::Error(std::string("training.loss: ") + loss_kind_name(kind) +
                      " is for classification; a regression (data.csv.target_column) trains "
                      "with mse or mae");
  }
}

LossOutput standardized_regression_loss(LossKind kind, const graph::Tensor& predictions,
                                        const graph::Tensor& targets,
                                        std::span<const float> scale) {
  check_regression_loss(kind);
  if (predictions.size() != targets.size()) {
    throw host::Error("regression: the model gives " + std::to_string(predictions.size()) +
                      " outputs for a batch of " + graph::shape_string(targets.shape()) +
                      " targets (its output layer needs one unit per target)");
  }
  const int64_t columns = targets.rank() > 1 ? targets.dim(-1) : 1;
  if (!scale.empty() && static_cast<int64_t>(scale.size()) != columns) {
    throw host::Error("regression: " + std::to_string(scale.size()) + " target scales for " +
                      std::to_string(columns) + " targets");
  }
  graph::Tensor p = predictions.reshaped(targets.shape());
  graph::Tensor t = targets;
  if (!scale.empty()) {
    for (int64_t i = 0; i < t.size(); ++i) {
      p[i] /= scale[i % columns];
      t[i] /= scale[i % columns];
    }
  }
  LossOutput out =
      kind == LossKind::kMeanSquaredError ? mean_squared_error(p, t) : mean_absolute_error(p, t);
  if (!scale.empty()) {
    for (int64_t i = 0; i < out.grad.size(); ++i) out.grad[i] /= scale[i % columns];
  }
  out.grad = out.grad.reshaped(predictions.shape());
  return out;
}

Evaluation evaluate_regression(graph::Tensor outputs, const data::Dataset& set, LossKind kind,
                               std::span<const float> scale) {
  if (!set.is_regression()) throw host::Error("regression evaluation of a classification dataset");
  Evaluation e;
  const graph::Tensor targets({set.size(), set.num_targets()}, set.targets());
  e.loss = standardized_regression_loss(kind, outputs, targets, scale).loss;
  e.regression = metrics::regression_metrics(outputs.values(), set.targets(), set.num_targets());
  e.outputs = std::move(outputs);
  return e;
}

}  // namespace tinyforge::train
