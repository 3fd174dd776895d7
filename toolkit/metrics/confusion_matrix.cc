#include "toolkit/metrics/confusion_matrix.h"

#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {

ConfusionMatrix::ConfusionMatrix(int num_classes) : num_classes_(num_classes) {
  if (num_classes < 1) {
    throw host::Error("confusion matrix: num_classes must be at least 1, got " +
                      std::to_string(num_classes));
  }
  counts_.assign(static_cast<size_t>(num_classes) * num_classes, 0);
}

void ConfusionMatrix::add(int true_class, int predicted_class, int64_t count) {
  for (int c : {true_class, predicted_class}) {
    if (c < 0 || c >= num_classes_) {
      throw host::Error("confusion matrix: class " + std::to_string(c) + " is outside [0, " +
                        std::to_string(num_classes_) + ")");
    }
  }
  counts_[static_cast<size_t>(true_class) * num_classes_ + predicted_class] += count;
  total_ += count;
}

void ConfusionMatrix::add(std::span<const int> true_classes,
                          std::span<const int> predicted_classes) {
  if (true_classes.size() != predicted_classes.size()) {
    throw host::Error("confusion matrix: " + std::to_string(true_classes.size()) +
                      " true classes but " + std::to_string(predicted_classes.size()) +
                      " predictions");
  }
  for (size_t i = 0; i < true_classes.size(); ++i) add(true_classes[i], predicted_classes[i]);
}

int64_t ConfusionMatrix::support(int c) const {
  int64_t sum = 0;
  for (int p = 0; p < num_classes_; ++p) sum += count(c, p);
  return sum;
}

int64_t ConfusionMatrix::predicted_count(int c) const {
  int64_t sum = 0;
  for (int t = 0; t < num_classes_; ++t) sum += count(t, c);
  return sum;
}

int64_t ConfusionMatrix::correct() const {
  int64_t sum = 0;
  for (int c = 0; c < num_classes_; ++c) sum += count(c, c);
  return sum;
}

std::vector<std::vector<int64_t>> ConfusionMatrix::rows() const {
  std::vector<std::vector<int64_t>> out(num_classes_);
  for (int t = 0; t < num_classes_; ++t) {
    out[t].assign(counts_.begin() + static_cast<ptrdiff_t>(t) * num_classes_,
                  counts_.begin() + static_cast<ptrdiff_t>(t + 1) * num_classes_);
  }
  return out;
}

}  // namespace tinyforge::metrics
