// Accuracy, and precision / recall / F1 per class with macro and support-weighted averages, all
// read from a confusion matrix.
//
// Zero-division convention (as scikit-learn's zero_division=0): a class never predicted has
// precision 0, a class absent from the true labels has recall 0, and F1 is 0 when precision +
// recall is 0. Macro averages are over the classes present (at least one true sample), so a
// class the evaluated samples never contain (a small subset, say) does not pull them down; the
// weighted averages weight by support, so such classes do not count there either.
#ifndef TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_METRICS_H_
#define TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_METRICS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "toolkit/metrics/confusion_matrix.h"

namespace tinyforge::metrics {

struct PerClassScores {
  std::vector<double> precision, recall, f1;  // one per class, in [0, 1]
  std::vector<int64_t> support;               // true samples per class
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  int macro_classes = 0;  // the classes the macro averages are over (those with support)
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
};

// Fraction of correct predictions in [0, 1]; 0 for an empty matrix.
double accuracy(const ConfusionMatrix& matrix);
PerClassScores per_class_scores(const ConfusionMatrix& matrix);

// Index of the largest score in each row of a [N, C] row-major block (first index on ties), as
// the predicted class.
std::vector<int> argmax_rows(std::span<const float> scores, int num_classes);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_CLASSIFICATION_METRICS_H_
