#include "toolkit/metrics/classification_metrics.h"

#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {
namespace {

double ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

double accuracy(const ConfusionMatrix& matrix) { return ratio(matrix.correct(), matrix.total()); }

PerClassScores per_class_scores(const ConfusionMatrix& matrix) {
  const int n = matrix.num_classes();
  PerClassScores s;
  s.precision.resize(n);
  s.recall.resize(n);
  s.f1.resize(n);
  s.support.resize(n);
  int64_t total_support = 0;
  for (int c = 0; c < n; ++c) {
    const int64_t tp = matrix.true_positives(c);
    s.support[c] = matrix.support(c);
    s.precision[c] = ratio(tp, matrix.predicted_count(c));
    s.recall[c] = ratio(tp, s.support[c]);
    const double sum = s.precision[c] + s.recall[c];
    s.f1[c] = sum == 0 ? 0.0 : 2 * s.precision[c] * s.recall[c] / sum;
    total_support += s.support[c];
    if (s.support[c] == 0) continue;
    s.macro_precision += s.precision[c];
    s.macro_recall += s.recall[c];
    s.macro_f1 += s.f1[c];
    ++s.macro_classes;
  }
  if (s.macro_classes > 0) {
    s.macro_precision /= s.macro_classes;
    s.macro_recall /= s.macro_classes;
    s.macro_f1 /= s.macro_classes;
  }
  for (int c = 0; c < n; ++c) {
    const double w = ratio(s.support[c], total_support);
    s.weighted_precision += w * s.precision[c];
    s.weighted_recall += w * s.recall[c];
    s.weighted_f1 += w * s.f1[c];
  }
  return s;
}

std::vector<int> argmax_rows(std::span<const float> scores, int num_classes) {
  if (num_classes < 1 || scores.size() % static_cast<size_t>(num_classes) != 0) {
    throw host::Error("argmax: " + std::to_string(scores.size()) + " scores do not form rows of " +
                      std::to_string(num_classes) + " classes");
  }
  std::vector<int> out(scores.size() / num_classes);
  for (size_t i = 0; i < out.size(); ++i) {
    const float* row = scores.data() + i * num_classes;
    int best = 0;
    for (int c = 1; c < num_classes; ++c) {
      if (row[c] > row[best]) best = c;
    }
    out[i] = best;
  }
  return out;
}

}  // namespace tinyforge::metrics
