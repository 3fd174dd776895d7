// Area under the ROC curve, binary and one-vs-rest.
//
// Computed from ranks (the Mann-Whitney U statistic): AUC = (sum of the positives' ranks -
// P(P+1)/2) / (P N), with tied scores given their average rank. That equals the trapezoid area
// under the ROC curve where a group of tied scores is one diagonal step, so ties count one half.
#ifndef TINYFORGE_TOOLKIT_METRICS_ROC_AUC_H_
#define TINYFORGE_TOOLKIT_METRICS_ROC_AUC_H_

#include <span>
#include <vector>

namespace tinyforge::metrics {

// Higher score = more likely positive (labels: nonzero = positive). NaN when there are no
// positives or no negatives (the curve is undefined). Throws host::Error on non-finite scores or
// mismatched lengths. Use it for an autoencoder's reconstruction error against anomaly labels.
double binary_roc_auc(std::span<const float> scores, std::span<const int> labels);

// One AUC per class from a [N, C] row-major score block (logits or probabilities: only the order
// matters), class c's samples against all others. NaN for a class with no samples (or only).
std::vector<double> one_vs_rest_roc_auc(std::span<const float> scores, int num_classes,
                                        std::span<const int> labels);

// Mean of the defined (non-NaN) values; NaN if there are none.
double mean_defined(std::span<const double> values);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_ROC_AUC_H_
