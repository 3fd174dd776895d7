#include "toolkit/quantize/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "toolkit/host/error.h"
#include "toolkit/quantize/histogram.h"
#include "toolkit/train/executor.h"

namespace tinyforge::quantize {

Calibrator parse_calibrator(const std::string& name) {
  if (name == "minmax") return Calibrator::kMinMax;
  if (name == "percentile") return Calibrator::kPercentile;
  if (name == "mse") return Calibrator::kMse;
  throw host::Error("calibrator '" + name + "': expected minmax, percentile or mse");
}

const char* calibrator_name(Calibrator c) {
  switch (c) {
    case Calibrator::kMinMax:
      return "minmax";
    case Calibrator::kPercentile:
      return "percentile";
    case Calibrator::kMse:
      return "mse";
  }
  return "unknown";
}

BatchProvider batches_of(const graph::Tensor& samples, int64_t max_samples, int64_t batch_size) {
  if (samples.rank() < 1 || samples.dim(0) < 1)
    throw host::Error("calibration: samples have shape " + graph::shape_string(samples.shape()) +
                      ", expected [N, ...] with N >= 1");
  if (batch_size < 1) throw host::Error("calibration: batch size must be positive");
  const int64_t n = max_samples > 0 ? std::min(max_samples, samples.dim(0)) : samples.dim(0);
  const int64_t per_sample = samples.size() / samples.dim(0);
  BatchProvider p;
  p.count = static_cast<int>((n + batch_size - 1) / batch_size);
  p.batch = [&samples, n, per_sample, batch_size](int i) {
    const int64_t begin = i * batch_size, end = std::min(n, begin + batch_size);
    graph::Shape shape = samples.shape();
    shape[0] = end - begin;
    std::vector<float> data(samples.data() + begin * per_sample, samples.data() + end * per_sample);
    return std::vector<graph::Tensor>{graph::Tensor(shape, std::move(data))};
  };
  return p;
}

namespace {

// Values whose range is recorded: what the caller feeds and what nodes compute.
std::vector<int> recorded_values(const graph::Graph& g) {
  std::vector<int> ids(g.inputs().begin(), g.inputs().end());
  for (const graph::Node& n : g.nodes())
    for (int id : n.outputs) ids.push_back(id);
  return ids;
}

}  // namespace

Calibration calibrate(graph::Graph& g, const BatchProvider& batches,
                      const CalibrationOptions& options) {
  if (batches.count < 1) throw host::Error("calibration: no calibration samples");
  const std::vector<int> ids = recorded_values(g);
  train::Executor executor(g);
  std::mt19937_64 rng(0);
  std::vector<Range> extremes(ids.size(), {std::numeric_limits<float>::infinity(),
                                           -std::numeric_limits<float>::infinity()});
  Calibration result;
  for (int b = 0; b < batches.count; ++b) {
    const std::vector<graph::Tensor> inputs = batches.batch(b);
    if (!inputs.empty()) result.samples += inputs[0].dim(0);
    executor.forward(inputs, false, rng);
    for (size_t i = 0; i < ids.size(); ++i) {
      const graph::Tensor& t = executor.activation(ids[i]);
      for (int64_t k = 0; k < t.size(); ++k) {
        if (!std::isfinite(t[k])) {
          throw host::Error("calibration: value '" + g.value(ids[i]).name +
                            "' holds a non-finite number on batch " + std::to_string(b));
        }
        extremes[i].min = std::min(extremes[i].min, t[k]);
        extremes[i].max = std::max(extremes[i].max, t[k]);
      }
    }
  }
  for (Range& r : extremes) r = with_zero(r);
  if (options.method == Calibrator::kMinMax) {
    for (size_t i = 0; i < ids.size(); ++i) result.ranges[ids[i]] = extremes[i];
    return result;
  }
  std::vector<AbsHistogram> histograms;
  for (const Range& r : extremes) histograms.emplace_back(std::max(-r.min, r.max), options.bins);
  for (int b = 0; b < batches.count; ++b) {
    executor.forward(batches.batch(b), false, rng);
    for (size_t i = 0; i < ids.size(); ++i) {
      const graph::Tensor& t = executor.activation(ids[i]);
      histograms[i].add(t.data(), t.size());
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const Range& r = extremes[i];
    const float t =
        options.method == Calibrator::kPercentile
            ? percentile_threshold(histograms[i], options.percentile)
            : mse_threshold(histograms[i], r.min < 0.0f && r.max > 0.0f, options.activation_dtype);
    result.ranges[ids[i]] = with_zero({std::max(r.min, -t), std::min(r.max, t)});
  }
  return result;
}

}  // namespace tinyforge::quantize
