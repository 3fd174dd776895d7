// Histograms of |x| and the clipping thresholds the better calibrators pick from them. Outliers
// stretch a min/max range and waste the int8 levels on values that almost never occur; clipping
// them trades a large error on a few values for a finer step on all the others.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_HISTOGRAM_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_HISTOGRAM_H_

#include <cstdint>
#include <vector>

#include "tinyforge/tensor.h"

namespace tinyforge::quantize {

// Counts of |x| in `bins` equal bins over [0, max_abs].
class AbsHistogram {
 public:
  AbsHistogram(float max_abs, int bins);
  void add(const float* x, int64_t n);
  float max_abs() const { return max_abs_; }
  const std::vector<double>& counts() const { return counts_; }
  double bin_width() const { return width_; }
  double total() const { return total_; }

 private:
  float max_abs_;
  double width_;
  std::vector<double> counts_;
  double total_ = 0.0;
};

// Smallest bin edge below which `percent` (0-100) of the values lie.
float percentile_threshold(const AbsHistogram& h, double percent);

// The clipping threshold T (a bin edge) minimizing the expected squared quantization error: each
// value below T gets the rounding error step^2 / 12, each above it (|x| - T)^2, where the step
// is T / levels over [0, T] for one-sided data (ReLU outputs) and 2T / levels when the values
// take both signs. `dtype` gives the levels (255 for int8, 65535 for int16).
float mse_threshold(const AbsHistogram& h, bool two_sided, DataType dtype);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_HISTOGRAM_H_
