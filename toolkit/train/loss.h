// Training losses, each returning the batch's mean loss and d(mean loss) / d(network output), with
// PyTorch's definitions (nn.CrossEntropyLoss, nn.BCEWithLogitsLoss, nn.MSELoss, nn.L1Loss,
// reduction "mean") so recipes and their numbers carry over.
#ifndef TINYFORGE_TOOLKIT_TRAIN_LOSS_H_
#define TINYFORGE_TOOLKIT_TRAIN_LOSS_H_

#include <span>
#include <string>
#include <vector>

#include "toolkit/graph/tensor.h"

namespace tinyforge::train {

enum class LossKind { kCrossEntropy, kBinaryCrossEntropy, kMeanSquaredError, kMeanAbsoluteError };

// "cross_entropy", "binary_cross_entropy", "mse", "mae"; throws host::Error naming the valid
// names.
LossKind loss_kind_from_name(const std::string& name);
const char* loss_kind_name(LossKind kind);

struct LossOutput {
  double loss = 0;     // mean over the batch (see each function for the exact normalization)
  graph::Tensor grad;  // d loss / d output, the output's shape
};

struct CrossEntropyOptions {
  // Empty, or one weight per class: sample i counts w[label_i], and the mean divides by the sum
  // of those weights (as PyTorch does), so weights rebalance classes without changing the scale.
  std::vector<float> class_weights;
  // In [0, 1): the target is (1 - s) one-hot + s / C uniform (PyTorch's label_smoothing).
  double label_smoothing = 0;
};

// Logits [..., C] (every leading dimension is a sample; usually [N, C]), labels in [0, C).
// Softmax is taken inside, stably; the logits are never exponentiated unshifted.
LossOutput softmax_cross_entropy(const graph::Tensor& logits, std::span<const int> labels,
                                 const CrossEntropyOptions& options = {});

// Elementwise: mean over every element of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))],
// computed as max(z, 0) - z y + log(1 + exp(-|z|)). Targets in [0, 1], same shape as the logits.
LossOutput binary_cross_entropy_with_logits(const graph::Tensor& logits,
                                            const graph::Tensor& targets);

// Mean over every element of (prediction - target)^2.
LossOutput mean_squared_error(const graph::Tensor& predictions, const graph::Tensor& targets);

// Mean over every element of |prediction - target|; the gradient is sign(difference) / n (0 where
// they are equal, as PyTorch's L1Loss).
LossOutput mean_absolute_error(const graph::Tensor& predictions, const graph::Tensor& targets);

// Per sample (first dimension), the mean squared error over its features: an autoencoder's
// reconstruction error, the anomaly score for ROC-AUC.
std::vector<float> per_sample_squared_error(const graph::Tensor& predictions,
                                            const graph::Tensor& targets);

// Row-wise softmax of [..., C] logits (probabilities for reports and exports).
graph::Tensor softmax(const graph::Tensor& logits);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_LOSS_H_
