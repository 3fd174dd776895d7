#include "toolkit/train/loss.h"

#include <algorithm>
#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::train {

using graph::Tensor;

namespace {

void require_same_shape(const Tensor& a, const Tensor& b, const char* what) {
  if (a.shape() != b.shape()) {
    throw host::Error(std::string(what) + ": outputs of shape " + graph::shape_string(a.shape()) +
                      " but targets of shape " + graph::shape_string(b.shape()));
  }
}

int64_t class_count(const Tensor& logits, const char* what) {
  if (logits.rank() < 1 || logits.dim(-1) < 1) {
    throw host::Error(std::string(what) + ": logits of shape " +
                      graph::shape_string(logits.shape()) + " have no class dimension");
  }
  return logits.dim(-1);
}

// log softmax of one row into `out` (double: the loss is summed over the batch in double).
void log_softmax_row(const float* z, int64_t classes, double* out) {
  const float max = *std::max_element(z, z + classes);
  double sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c]) - max);
  const double log_sum = std::log(sum);
  for (int64_t c = 0; c < classes; ++c) out[c] = static_cast<double>(z[c]) - max - log_sum;
}

}  // namespace

LossKind loss_kind_from_name(const std::string& name) {
  if (name == "cross_entropy") return LossKind::kCrossEntropy;
  if (name == "binary_cross_entropy") return LossKind::kBinaryCrossEntropy;
  if (name == "mse") return LossKind::kMeanSquaredError;
  if (name == "mae") return LossKind::kMeanAbsoluteError;
  throw host::Error("loss '" + name +
                    "': expected cross_entropy, binary_cross_entropy, mse or mae");
}

const char* loss_kind_name(LossKind kind) {
  switch (kind) {
    case LossKind::kCrossEntropy:
      return "cross_entropy";
    case LossKind::kBinaryCrossEntropy:
      return "binary_cross_entropy";
    case LossKind::kMeanSquaredError:
      return "mse";
    case LossKind::kMeanAbsoluteError:
      return "mae";
  }
  return "?";
}

LossOutput softmax_cross_entropy(const Tensor& logits, std::span<const int> labels,
                                 const CrossEntropyOptions& options) {
  const int64_t classes = class_count(logits, "cross-entropy");
  const int64_t rows = logits.size() / classes;
  if (static_cast<int64_t>(labels.size()) != rows) {
    throw host::Error("cross-entropy: " + std::to_string(rows) + " samples but " +
                      std::to_string(labels.size()) + " labels");
  }
  const std::vector<float>& w = options.class_weights;
  if (!w.empty() && static_cast<int64_t>(w.size()) != classes) {
    throw host::Error("cross-entropy: " + std::to_string(w.size()) + " class weights for " +
                      std::to_string(classes) + " classes");
  }
  const double s = options.label_smoothing;
  if (!(s >= 0 && s < 1)) {
    throw host::Error("cross-entropy: label_smoothing " + std::to_string(s) + " is outside [0, 1)");
  }
  auto weight = [&](int64_t c) { return w.empty() ? 1.0 : static_cast<double>(w[c]); };

  // Normalizer: PyTorch divides the weighted sum by the sum of the labels' weights.
  double total_weight = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int y = labels[i];
    if (y < 0 || y >= classes) {
      throw host::Error("cross-entropy: label " + std::to_string(y) + " of sample " +
                        std::to_string(i) + " is outside [0, " + std::to_string(classes) + ")");
    }
    total_weight += weight(y);
  }
  if (total_weight <= 0) throw host::Error("cross-entropy: the labels' class weights sum to 0");

  LossOutput out;
  out.grad.reset(logits.shape());
  std::vector<double> log_p(classes), a(classes);
  double total = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const float* z = logits.data() + i * classes;
    log_softmax_row(z, classes, log_p.data());
    // The sample's loss is sum_c a_c (-log p_c), with a_c the weighted smoothed target; its
    // gradient in the logits is p_j sum_c a_c - a_j.
    double a_sum = 0;
    for (int64_t c = 0; c < classes; ++c) {
      a[c] = s / static_cast<double>(classes) * weight(c);
      if (c == labels[i]) a[c] += (1 - s) * weight(c);
      a_sum += a[c];
      total -= a[c] * log_p[c];
    }
    float* g = out.grad.data() + i * classes;
    for (int64_t c = 0; c < classes; ++c) {
      g[c] = static_cast<float>((std::exp(log_p[c]) * a_sum - a[c]) / total_weight);
    }
  }
  out.loss = total / total_weight;
  return out;
}

LossOutput binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets) {
  require_same_shape(logits, targets, "binary cross-entropy");
  if (logits.empty()) throw host::Error("binary cross-entropy: empty batch");
  LossOutput out;
  out.grad.reset(logits.shape());
  const double n = static_cast<double>(logits.size());
  double total = 0;
  for (int64_t i = 0; i < logits.size(); ++i) {
    const double z = logits[i], y = targets[i];
    if (!(y >= 0 && y <= 1)) {
      throw host::Error("binary cross-entropy: target " + std::to_string(y) + " at element " +
                        std::to_string(i) + " is outside [0, 1]");
    }
    total += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
    const double sigmoid = z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
    out.grad[i] = static_cast<float>((sigmoid - y) / n);
  }
  out.loss = total / n;
  return out;
}

namespace {

// The mean over every element of loss(prediction - target); `slope` is its derivative.
template <typename Loss, typename Slope>
LossOutput mean_elementwise(const Tensor& predictions, const Tensor& targets, const char* what,
                            Loss loss, Slope slope) {
  require_same_shape(predictions, targets, what);
  if (predictions.empty()) throw host::Error(std::string(what) + ": empty batch");
  LossOutput out;
  out.grad.reset(predictions.shape());
  const double n = static_cast<double>(predictions.size());
  double total = 0;
  for (int64_t i = 0; i < predictions.size(); ++i) {
    const double d = static_cast<double>(predictions[i]) - targets[i];
    total += loss(d);
    out.grad[i] = static_cast<float>(slope(d) / n);
  }
  out.loss = total / n;
  return out;
}

}  // namespace

LossOutput mean_squared_error(const Tensor& predictions, const Tensor& targets) {
  return mean_elementwise(
      predictions, targets, "mse", [](double d) { return d * d; }, [](double d) { return 2 * d; });
}

LossOutput mean_absolute_error(const Tensor& predictions, const Tensor& targets) {
  return mean_elementwise(
      predictions, targets, "mae", [](double d) { return std::abs(d); },
      [](double d) { return d > 0   ? 1.0
                            : d < 0 ? -1.0
                                    : 0.0; });
}

std::vector<float> per_sample_squared_error(const Tensor& predictions, const Tensor& targets) {
  require_same_shape(predictions, targets, "reconstruction error");
  if (predictions.rank() < 1) throw host::Error("reconstruction error: no batch dimension");
  const int64_t samples = predictions.dim(0);
  std::vector<float> errors(samples);
  if (samples == 0) return errors;
  const int64_t features = predictions.size() / samples;
  for (int64_t i = 0; i < samples; ++i) {
    double sum = 0;
    for (int64_t k = i * features; k < (i + 1) * features; ++k) {
      const double d = static_cast<double>(predictions[k]) - targets[k];
      sum += d * d;
    }
    errors[i] = static_cast<float>(features == 0 ? 0.0 : sum / static_cast<double>(features));
  }
  return errors;
}

Tensor softmax(const Tensor& logits) {
  const int64_t classes = class_count(logits, "softmax");
  Tensor out(logits.shape());
  std::vector<double> log_p(classes);
  for (int64_t i = 0; i < logits.size() / classes; ++i) {
    log_softmax_row(logits.data() + i * classes, classes, log_p.data());
    for (int64_t c = 0; c < classes; ++c) {
      out[i * classes + c] = static_cast<float>(std::exp(log_p[c]));
    }
  }
  return out;
}

}  // namespace tinyforge::train
