#include "toolkit/metrics/anomaly_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "toolkit/host/error.h"
#include "toolkit/metrics/roc_curve.h"

namespace tinyforge::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check(std::span<const float> scores, std::span<const int> labels, const char* what) {
  if (scores.size() != labels.size())
    throw host::Error(std::string(what) + ": " + std::to_string(scores.size()) + " scores but " +
                      std::to_string(labels.size()) + " labels");
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw host::Error(std::string(what) + ": score of sample " + std::to_string(i) +
                        " is not finite");
}

double ratio(int64_t a, int64_t b) { return b == 0 ? kNaN : static_cast<double>(a) / b; }

}  // namespace

double BinaryCounts::precision() const {
  return ratio(true_positives, true_positives + false_positives);
}
double BinaryCounts::recall() const {
  return ratio(true_positives, true_positives + false_negatives);
}
double BinaryCounts::f1() const {
  return ratio(2 * true_positives, 2 * true_positives + false_positives + false_negatives);
}
double BinaryCounts::false_positive_rate() const {
  return ratio(false_positives, false_positives + true_negatives);
}

double partial_roc_auc(std::span<const float> scores, std::span<const int> labels, double max_fpr) {
  check(scores, labels, "pAUC");
  if (!(max_fpr > 0 && max_fpr <= 1)) throw host::Error("pAUC: max_fpr must be in (0, 1]");
  const RocCurve curve = binary_roc_curve(scores, labels);
  if (curve.empty()) return kNaN;
  // Trapezoids under the curve until the false-positive rate reaches max_fpr (the last one cut
  // there).
  double area = 0;
  for (size_t i = 1; i < curve.fpr.size() && curve.fpr[i - 1] < max_fpr; ++i) {
    const double fpr = curve.fpr[i - 1], tpr = curve.tpr[i - 1];
    double next_fpr = curve.fpr[i], next_tpr = curve.tpr[i];
    if (next_fpr > max_fpr) {
      next_tpr = tpr + (next_tpr - tpr) * (max_fpr - fpr) / (next_fpr - fpr);
      next_fpr = max_fpr;
    }
    area += (next_fpr - fpr) * (tpr + next_tpr) / 2;
  }
  const double min_area = max_fpr * max_fpr / 2, max_area = max_fpr;
  return 0.5 * (1 + (area - min_area) / (max_area - min_area));
}

BinaryCounts count_at(std::span<const float> scores, std::span<const int> labels,
                      double threshold) {
  check(scores, labels, "anomaly counts");
  BinaryCounts c;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool alarm = scores[i] >= threshold, anomaly = labels[i] != 0;
    if (alarm && anomaly) ++c.true_positives;
    if (alarm && !anomaly) ++c.false_positives;
    if (!alarm && !anomaly) ++c.true_negatives;
    if (!alarm && anomaly) ++c.false_negatives;
  }
  return c;
}

Threshold choose_threshold(std::span<const float> scores, std::span<const int> labels,
                           double margin) {
  check(scores, labels, "threshold");
  if (scores.empty()) throw host::Error("threshold: no validation samples to choose it on");
  const bool has_anomalies =
      std::any_of(labels.begin(), labels.end(), [](int l) { return l != 0; });
  if (!has_anomalies) {
    const float largest = *std::max_element(scores.begin(), scores.end());
    return {largest * (1 + margin),
            "largest validation score (all normal) + " + std::to_string(margin * 100) + "%"};
  }
  // Candidates: every distinct score (scores >= it are alarms).
  std::vector<float> candidates(scores.begin(), scores.end());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  double best_f1 = -1, best = candidates.front();
  for (float t : candidates) {
    const double f1 = count_at(scores, labels, t).f1();
    if (f1 > best_f1) {
      best_f1 = f1;
      best = t;
    }
  }
  return {best, "best F1 on validation"};
}

}  // namespace tinyforge::metrics
