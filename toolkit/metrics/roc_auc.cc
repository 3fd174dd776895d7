#include "toolkit/metrics/roc_auc.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// AUC of scores[i * stride] against `is_positive(i)`, through average ranks.
template <typename IsPositive>
double rank_auc(const float* scores, size_t count, size_t stride, IsPositive is_positive) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(scores[i * stride])) {
      throw host::Error("ROC-AUC: score of sample " + std::to_string(i) + " is not finite");
    }
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scores[a * stride] < scores[b * stride]; });
  // Ranks are 1-based; a run of equal scores shares the mean of its ranks. Summing in double
  // with half-integer ranks is exact far beyond any dataset size.
  double positive_rank_sum = 0;
  int64_t positives = 0;
  for (size_t begin = 0; begin < count;) {
    size_t end = begin + 1;
    while (end < count && scores[order[end] * stride] == scores[order[begin] * stride]) ++end;
    const double mean_rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2;
    for (size_t k = begin; k < end; ++k) {
      if (is_positive(order[k])) {
        positive_rank_sum += mean_rank;
        ++positives;
      }
    }
    begin = end;
  }
  const int64_t negatives = static_cast<int64_t>(count) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  const double p = static_cast<double>(positives);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

}  // namespace

double binary_roc_auc(std::span<const float> scores, std::span<const int> labels) {
  if (scores.size() != labels.size()) {
    throw host::Error("ROC-AUC: " + std::to_string(scores.size()) + " scores but " +
                      std::to_string(labels.size()) + " labels");
  }
  return rank_auc(scores.data(), scores.size(), 1, [&](size_t i) { return labels[i] != 0; });
}

std::vector<double> one_vs_rest_roc_auc(std::span<const float> scores, int num_classes,
                                        std::span<const int> labels) {
  if (num_classes < 1 || scores.size() != labels.size() * static_cast<size_t>(num_classes)) {
    throw host::Error("ROC-AUC: " + std::to_string(scores.size()) + " scores do not match " +
                      std::to_string(labels.size()) + " labels x " + std::to_string(num_classes) +
                      " classes");
  }
  std::vector<double> auc(num_classes);
  for (int c = 0; c < num_classes; ++c) {
    auc[c] = rank_auc(scores.data() + c, labels.size(), static_cast<size_t>(num_classes),
                      [&](size_t i) { return labels[i] == c; });
  }
  return auc;
}

double mean_defined(std::span<const double> values) {
  double sum = 0;
  int count = 0;
  for (double v : values) {
    if (!std::isnan(v)) {
      sum += v;
      ++count;
    }
  }
  return count == 0 ? kNaN : sum / count;
}

}  // namespace tinyforge::metrics
