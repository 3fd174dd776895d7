#include "toolkit/quantize/histogram.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/quantize/quant_params.h"

namespace tinyforge::quantize {

AbsHistogram::AbsHistogram(float max_abs, int bins) : max_abs_(max_abs), counts_(bins, 0.0) {
  if (bins < 1)
    throw host::Error("calibration: histogram bins " + std::to_string(bins) + ", expected >= 1");
  if (!(max_abs >= 0.0f) || !std::isfinite(max_abs))
    throw host::Error("calibration: histogram range " + std::to_string(max_abs) + " is not finite");
  width_ = max_abs > 0.0f ? static_cast<double>(max_abs) / bins : 1.0;
}

void AbsHistogram::add(const float* x, int64_t n) {
  const int last = static_cast<int>(counts_.size()) - 1;
  for (int64_t i = 0; i < n; ++i) {
    const double a = std::fabs(static_cast<double>(x[i]));
    const int bin = std::min(last, static_cast<int>(a / width_));  // max_abs itself: last bin
    counts_[bin] += 1.0;
  }
  total_ += static_cast<double>(n);
}

float percentile_threshold(const AbsHistogram& h, double percent) {
  if (!(percent > 0.0 && percent <= 100.0))
    throw host::Error("calibration: percentile " + std::to_string(percent) +
                      ", expected 0 < p <= 100");
  if (h.total() == 0.0) return h.max_abs();
  const double wanted = h.total() * percent / 100.0;
  double seen = 0.0;
  for (size_t b = 0; b < h.counts().size(); ++b) {
    seen += h.counts()[b];
    if (seen >= wanted) return static_cast<float>((b + 1) * h.bin_width());
  }
  return h.max_abs();
}

float mse_threshold(const AbsHistogram& h, bool two_sided, DataType dtype) {
  const auto& c = h.counts();
  const int bins = static_cast<int>(c.size());
  if (h.total() == 0.0 || h.max_abs() == 0.0f) return h.max_abs();
  const double levels = static_cast<double>(dtype_max(dtype) - dtype_min(dtype));
  // Suffix sums of count, count * x and count * x^2 (x = bin centre) make each candidate O(1).
  std::vector<double> n(bins + 1, 0.0), sx(bins + 1, 0.0), sxx(bins + 1, 0.0);
  for (int b = bins - 1; b >= 0; --b) {
    const double x = (b + 0.5) * h.bin_width();
    n[b] = n[b + 1] + c[b];
    sx[b] = sx[b + 1] + c[b] * x;
    sxx[b] = sxx[b + 1] + c[b] * x * x;
  }
  double best_error = -1.0;
  int best = bins;
  for (int edge = 1; edge <= bins; ++edge) {  // T = edge * width; bins >= edge are clipped
    const double t = edge * h.bin_width();
    const double step = (two_sided ? 2.0 * t : t) / levels;
    const double inside = (n[0] - n[edge]) * step * step / 12.0;
    const double clipped = sxx[edge] - 2.0 * t * sx[edge] + t * t * n[edge];
    const double error = inside + clipped;
    if (best_error < 0.0 || error < best_error) {
      best_error = error;
      best = edge;
    }
  }
  return static_cast<float>(std::min(static_cast<double>(h.max_abs()), best * h.bin_width()));
}

}  // namespace tinyforge::quantize
