// ROC curves: the true-positive rate against the false-positive rate as the decision threshold
// falls from the highest score to the lowest, one vertex per group of tied scores (a tie is one
// diagonal step, as in roc_auc.h), from (0, 0) to (1, 1).
#ifndef TINYFORGE_TOOLKIT_METRICS_ROC_CURVE_H_
#define TINYFORGE_TOOLKIT_METRICS_ROC_CURVE_H_

#include <cstddef>
#include <span>
#include <vector>

namespace tinyforge::metrics {

struct RocCurve {
  std::vector<double> fpr;  // non-decreasing, fpr.front() == 0, fpr.back() == 1
  std::vector<double> tpr;  // non-decreasing, same length
  bool empty() const { return fpr.empty(); }
};

// Higher score = more likely positive (labels: nonzero = positive). Empty when there are no
// positives or no negatives. Throws host::Error on non-finite scores or mismatched lengths.
RocCurve binary_roc_curve(std::span<const float> scores, std::span<const int> labels);

// At most `max_points` (>= 2) of the curve's vertices, evenly spaced along its vertex list, the
// first and last always kept: for drawing, not for computing areas.
RocCurve thin_roc_curve(const RocCurve& curve, size_t max_points);

// One curve per class from a [N, C] row-major score block, class c against the rest, each thinned
// to `max_points`; empty for a class without samples (or with only).
std::vector<RocCurve> one_vs_rest_roc_curves(std::span<const float> scores, int num_classes,
                                             std::span<const int> labels, size_t max_points);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_ROC_CURVE_H_
