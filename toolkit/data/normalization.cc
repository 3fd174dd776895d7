#include "toolkit/data/normalization.h"

#include <cmath>

#include "toolkit/data/dataset.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

void Normalization::apply(float* values, int64_t count) const {
  if (!enabled()) return;
  const size_t channels = mean.size();
  for (int64_t i = 0; i < count; ++i) {
    const size_t c = static_cast<size_t>(i) % channels;
    values[i] = (values[i] - mean[c]) / std[c];
  }
}

void Normalization::invert(float* values, int64_t count) const {
  if (!enabled()) return;
  const size_t channels = mean.size();
  for (int64_t i = 0; i < count; ++i) {
    const size_t c = static_cast<size_t>(i) % channels;
    values[i] = values[i] * std[c] + mean[c];
  }
}

namespace {

// Per-channel mean and standard deviation of `values` laid out channels last.
Normalization channel_statistics(const std::vector<float>& values, size_t channels) {
  // Double accumulators: 47M Fashion-MNIST pixels would lose precision in float.
  std::vector<double> sum(channels, 0.0), sum_sq(channels, 0.0);
  for (size_t i = 0; i < values.size(); ++i) {
    sum[i % channels] += values[i];
    sum_sq[i % channels] += static_cast<double>(values[i]) * values[i];
  }
  const double n = static_cast<double>(values.size() / channels);
  Normalization norm;
  for (size_t c = 0; c < channels; ++c) {
    const double mean = sum[c] / n;
    const double var = std::max(0.0, sum_sq[c] / n - mean * mean);
    const double std = std::sqrt(var);
    norm.mean.push_back(static_cast<float>(mean));
    norm.std.push_back(std > 1e-6 ? static_cast<float>(std) : 1.0f);
  }
  return norm;
}

}  // namespace

Normalization compute_normalization(const Dataset& train) {
  if (train.empty() || train.sample_shape().empty()) {
    throw host::Error("normalization: the training split is empty; nothing to compute it from");
  }
  return channel_statistics(train.features(), static_cast<size_t>(train.sample_shape().back()));
}

Normalization compute_target_normalization(const Dataset& train) {
  if (!train.is_regression()) return {};
  if (train.empty()) {
    throw host::Error(
        "target normalization: the training split is empty; nothing to compute it "
        "from");
  }
  return channel_statistics(train.targets(), static_cast<size_t>(train.num_targets()));
}

void normalize(Dataset& dataset, const Normalization& norm) {
  if (!norm.enabled()) return;
  const int64_t channels = dataset.sample_shape().empty() ? 1 : dataset.sample_shape().back();
  if (static_cast<int64_t>(norm.mean.size()) != channels) {
    throw host::Error("normalization has " + std::to_string(norm.mean.size()) +
                      " channels; the dataset's samples have " + std::to_string(channels));
  }
  norm.apply(dataset.features().data(), static_cast<int64_t>(dataset.features().size()));
}

nlohmann::json to_json(const Normalization& norm) {
  return {{"mean", norm.mean}, {"std", norm.std}};
}

Normalization normalization_from_json(const nlohmann::json& json) {
  Normalization norm;
  try {
    norm.mean = json.at("mean").get<std::vector<float>>();
    norm.std = json.at("std").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& e) {
    throw host::Error(std::string("normalization: expected {\"mean\": [numbers], \"std\": "
                                  "[numbers]} (") +
                      e.what() + ")");
  }
  if (norm.mean.size() != norm.std.size()) {
    throw host::Error("normalization: mean has " + std::to_string(norm.mean.size()) +
                      " values but std has " + std::to_string(norm.std.size()));
  }
  for (float s : norm.std) {
    if (!(s > 0)) throw host::Error("normalization: std values must be positive");
  }
  return norm;
}

}  // namespace tinyforge::data
