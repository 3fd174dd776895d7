// Everything `tinyforge eval` reports for a classifier, computed once from the class scores and
// labels, with its JSON form and a text table.
#ifndef TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_REPORT_H_
#define TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_REPORT_H_

#include <cstdint>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "toolkit/metrics/classification_metrics.h"
#include "toolkit/metrics/roc_curve.h"

namespace tinyforge::metrics {

// Vertices kept per ROC curve in a report: enough to draw it, small beside the rest of the JSON.
inline constexpr size_t kRocCurvePoints = 65;

struct ClassificationReport {
  std::vector<std::string> class_names;  // "0", "1", ... when none were given
  int64_t samples = 0;
  double accuracy_pct = 0;                                 // 0-100
  double loss = std::numeric_limits<double>::quiet_NaN();  // mean loss; NaN if not computed
  PerClassScores scores;                                   // fractions in [0, 1]
  std::vector<double> roc_auc;  // one-vs-rest per class; NaN where undefined
  double macro_roc_auc = std::numeric_limits<double>::quiet_NaN();  // over defined classes
  // One-vs-rest per class, thinned to kRocCurvePoints for plotting; empty where undefined.
  std::vector<RocCurve> roc_curves;
  std::vector<std::vector<int64_t>> confusion_matrix;  // [true][predicted]

  // Keys: samples, class_names, accuracy_pct, loss, precision, recall, f1, roc_auc, support (per
  // class lists), macro_precision, macro_recall, macro_f1, macro_roc_auc, weighted_precision,
  // weighted_recall, weighted_f1, macro_classes (how many classes the macro averages are over),
  // confusion_matrix (rows = true class), roc_curves (per class {"fpr": [...], "tpr": [...]}, or
  // null where undefined). NaN becomes null.
  nlohmann::json to_json() const;
  // The report back from to_json()'s object (e.g. a command's result); throws host::Error naming
  // a missing or mistyped key. roc_curves is optional (results written before it existed).
  static ClassificationReport from_json(const nlohmann::json& j);
  // A table, one row per class plus macro and weighted rows, then the confusion matrix.
  std::string to_text() const;
};

// `scores` is [N, num_classes] row-major (logits or probabilities); the prediction is the arg max.
// `class_names` may be empty, else one per class.
ClassificationReport make_classification_report(
    std::span<const float> scores, int num_classes, std::span<const int> labels,
    double mean_loss = std::numeric_limits<double>::quiet_NaN(),
    std::vector<std::string> class_names = {});

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_REPORT_H_
