// Counts of (true class, predicted class) pairs: the table every classification metric reads.
#ifndef TINYFORGE_TOOLKIT_METRICS_CONFUSION_MATRIX_H_
#define TINYFORGE_TOOLKIT_METRICS_CONFUSION_MATRIX_H_

#include <cstdint>
#include <span>
#include <vector>

namespace tinyforge::metrics {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);

  // Throws host::Error if a class index is outside [0, num_classes).
  void add(int true_class, int predicted_class, int64_t count = 1);
  // One pair per sample; the spans must have the same length.
  void add(std::span<const int> true_classes, std::span<const int> predicted_classes);

  int num_classes() const { return num_classes_; }
  // Row = true class, column = predicted class.
  int64_t count(int true_class, int predicted_class) const {
    return counts_[static_cast<size_t>(true_class) * num_classes_ + predicted_class];
  }
  int64_t total() const { return total_; }
  int64_t true_positives(int c) const { return count(c, c); }
  int64_t support(int c) const;          // samples whose true class is c (row sum)
  int64_t predicted_count(int c) const;  // samples predicted as c (column sum)
  int64_t correct() const;               // trace
  // Rows as nested vectors, for JSON and reports.
  std::vector<std::vector<int64_t>> rows() const;

 private:
  int num_classes_;
  int64_t total_ = 0;
  std::vector<int64_t> counts_;
};

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_CONFUSION_MATRIX_H_
