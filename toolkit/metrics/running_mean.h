// Mean of a stream of per-batch values weighted by batch size, so the epoch's mean loss is the
// mean over samples even when the last batch is short.
#ifndef TINYFORGE_TOOLKIT_METRICS_RUNNING_MEAN_H_
#define TINYFORGE_TOOLKIT_METRICS_RUNNING_MEAN_H_

#include <cstdint>
#include <limits>

namespace tinyforge::metrics {

class RunningMean {
 public:
  // `value` is the mean over `count` samples (a batch's mean loss and its batch size).
  void add(double value, int64_t count = 1) {
    sum_ += value * static_cast<double>(count);
    count_ += count;
  }
  // NaN before anything was added.
  double mean() const {
    return count_ == 0 ? std::numeric_limits<double>::quiet_NaN()
                       : sum_ / static_cast<double>(count_);
  }
  int64_t count() const { return count_; }
  void reset() { *this = RunningMean(); }

 private:
  double sum_ = 0;  // double: float would lose the small batches' contribution after ~1e7 samples
  int64_t count_ = 0;
};

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_RUNNING_MEAN_H_
