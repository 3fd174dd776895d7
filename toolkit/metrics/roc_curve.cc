#include "toolkit/metrics/roc_curve.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {

RocCurve binary_roc_curve(std::span<const float> scores, std::span<const int> labels) {
  if (scores.size() != labels.size()) {
    throw host::Error("ROC curve: " + std::to_string(scores.size()) + " scores but " +
                      std::to_string(labels.size()) + " labels");
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i]))
      throw host::Error("ROC curve: score of sample " + std::to_string(i) + " is not finite");
  }
  const int64_t positives =
      std::count_if(labels.begin(), labels.end(), [](int l) { return l != 0; });
  const int64_t negatives = static_cast<int64_t>(labels.size()) - positives;
  RocCurve curve;
  if (positives == 0 || negatives == 0) return curve;
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  curve.fpr.push_back(0);
  curve.tpr.push_back(0);
  // Counts, not running sums of rates, so the last vertex is exactly (1, 1).
  int64_t true_positives = 0, false_positives = 0;
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin;
    while (end < order.size() && scores[order[end]] == scores[order[begin]]) {
      (labels[order[end]] != 0 ? true_positives : false_positives) += 1;
      ++end;
    }
    curve.fpr.push_back(static_cast<double>(false_positives) / static_cast<double>(negatives));
    curve.tpr.push_back(static_cast<double>(true_positives) / static_cast<double>(positives));
    begin = end;
  }
  return curve;
}

RocCurve thin_roc_curve(const RocCurve& curve, size_t max_points) {
  if (max_points < 2) throw host::Error("ROC curve: max_points must be at least 2");
  const size_t n = curve.fpr.size();
  if (n <= max_points) return curve;
  RocCurve thin;
  for (size_t k = 0; k < max_points; ++k) {
    const size_t i = (k * (n - 1) + (max_points - 1) / 2) / (max_points - 1);
    thin.fpr.push_back(curve.fpr[i]);
    thin.tpr.push_back(curve.tpr[i]);
  }
  return thin;
}

std::vector<RocCurve> one_vs_rest_roc_curves(std::span<const float> scores, int num_classes,
                                             std::span<const int> labels, size_t max_points) {
  if (num_classes < 1 || scores.size() != labels.size() * static_cast<size_t>(num_classes)) {
    throw host::Error("ROC curve: " + std::to_string(scores.size()) + " scores do not match " +
                      std::to_string(labels.size()) + " labels x " + std::to_string(num_classes) +
                      " classes");
  }
  std::vector<RocCurve> curves;
  std::vector<float> column(labels.size());
  std::vector<int> is_class(labels.size());
  for (int c = 0; c < num_classes; ++c) {
    for (size_t i = 0; i < labels.size(); ++i) {
      column[i] = scores[i * static_cast<size_t>(num_classes) + static_cast<size_t>(c)];
      is_class[i] = labels[i] == c ? 1 : 0;
    }
    curves.push_back(thin_roc_curve(binary_roc_curve(column, is_class), max_points));
  }
  return curves;
}

}  // namespace tinyforge::metrics
