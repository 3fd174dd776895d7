// Regression metrics with scikit-learn's definitions (mean_absolute_error,
// root_mean_squared_error, r2_score; several targets are averaged uniformly), so numbers compare.
#ifndef TINYFORGE_TOOLKIT_METRICS_REGRESSION_METRICS_H_
#define TINYFORGE_TOOLKIT_METRICS_REGRESSION_METRICS_H_

#include <cstdint>
#include <span>

namespace tinyforge::metrics {

struct RegressionMetrics {
  double mae = 0;   // mean |prediction - target|
  double rmse = 0;  // sqrt(mean (prediction - target)^2)
  // 1 - sum (prediction - target)^2 / sum (target - mean target)^2: 1 is perfect, 0 is what
  // predicting the mean scores, negative is worse. A constant target gives 1 when predicted
  // exactly and 0 otherwise (scikit-learn's force_finite).
  double r2 = 0;
};

// `predictions` and `targets` hold `outputs` values per sample, sample after sample (the same
// size, a multiple of outputs). Each metric is computed per output, then averaged over them.
// Throws host::Error on mismatched sizes or no samples.
RegressionMetrics regression_metrics(std::span<const float> predictions,
                                     std::span<const float> targets, int64_t outputs);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_REGRESSION_METRICS_H_
