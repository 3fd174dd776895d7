#include "toolkit/metrics/regression_metrics.h"

#include <cmath>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {

RegressionMetrics regression_metrics(std::span<const float> predictions,
                                     std::span<const float> targets, int64_t outputs) {
  const int64_t total = static_cast<int64_t>(targets.size());
  if (outputs <= 0 || predictions.size() != targets.size() || total % outputs != 0) {
    throw host::Error("regression metrics: " + std::to_string(predictions.size()) +
                      " predictions and " + std::to_string(targets.size()) + " targets for " +
                      std::to_string(outputs) + " outputs per sample");
  }
  const int64_t n = total / outputs;
  if (n == 0) throw host::Error("regression metrics: no samples");
  RegressionMetrics m;
  for (int64_t k = 0; k < outputs; ++k) {
    double abs_sum = 0, sq_sum = 0, target_sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(predictions[i * outputs + k]) - targets[i * outputs + k];
      abs_sum += std::abs(d);
      sq_sum += d * d;
      target_sum += targets[i * outputs + k];
    }
    const double mean = target_sum / static_cast<double>(n);
    double spread = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = targets[i * outputs + k] - mean;
      spread += d * d;
    }
    m.mae += abs_sum / static_cast<double>(n);
    m.rmse += std::sqrt(sq_sum / static_cast<double>(n));
    m.r2 += spread > 0 ? 1 - sq_sum / spread : (sq_sum == 0 ? 1.0 : 0.0);
  }
  m.mae /= static_cast<double>(outputs);
  m.rmse /= static_cast<double>(outputs);
  m.r2 /= static_cast<double>(outputs);
  return m;
}

}  // namespace tinyforge::metrics
