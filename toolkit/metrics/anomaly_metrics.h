// Scores of an anomaly detector (an autoencoder's reconstruction error, higher = more anomalous)
// against labels (nonzero = anomaly): the partial ROC-AUC that MLPerf Tiny and DCASE report, and
// the decision threshold a device uses, chosen on validation data and then judged on test data.
#ifndef TINYFORGE_TOOLKIT_METRICS_ANOMALY_METRICS_H_
#define TINYFORGE_TOOLKIT_METRICS_ANOMALY_METRICS_H_

#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::metrics {

// The ROC area for false-positive rates up to `max_fpr`, standardized as McClish's (and
// scikit-learn's roc_auc_score(max_fpr=...)): 0.5 for chance, 1 for a perfect detector. Tied
// scores make one diagonal step. NaN without positives or negatives.
double partial_roc_auc(std::span<const float> scores, std::span<const int> labels,
                       double max_fpr = 0.1);

struct BinaryCounts {
  int64_t true_positives = 0, false_positives = 0, true_negatives = 0, false_negatives = 0;
  double precision() const;
  double recall() const;  // the detection rate
  double f1() const;
  double false_positive_rate() const;
};
// Scores >= threshold count as anomalies.
BinaryCounts count_at(std::span<const float> scores, std::span<const int> labels, double threshold);

struct Threshold {
  double value = 0;
  std::string rule;  // how it was chosen, for reports
};
// With anomalies among the validation samples: the threshold with the best F1 there (ties: the
// lower threshold, to catch more). With normal samples only: the largest normal score times
// (1 + margin), so no validation sample would raise an alarm. Throws host::Error without samples.
Threshold choose_threshold(std::span<const float> scores, std::span<const int> labels,
                           double margin = 0.05);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_ANOMALY_METRICS_H_
