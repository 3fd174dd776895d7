// Input normalization: per-channel mean and standard deviation computed on the training split only
// (so validation/test statistics never leak into training), applied to every split, and stored
// with the model so inference applies the same transform.
#ifndef TINYFORGE_TOOLKIT_DATA_NORMALIZATION_H_
#define TINYFORGE_TOOLKIT_DATA_NORMALIZATION_H_

#include <nlohmann/json.hpp>
#include <vector>

namespace tinyforge::data {

class Dataset;

// x' = (x - mean[c]) / std[c] for channel c (the last dimension of a sample). Empty = identity.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;

  bool enabled() const { return !mean.empty(); }
  // Normalizes `values` laid out channels last with mean.size() channels, in place.
  void apply(float* values, int64_t count) const;
  // Maps normalized values back (for showing samples as images).
  void invert(float* values, int64_t count) const;
};

// Statistics over all samples of `train`, one per channel (the sample shape's last dimension).
// A channel with (near) zero spread gets std 1 so it is only centered.
Normalization compute_normalization(const Dataset& train);
// A regression dataset's targets: their mean and standard deviation on `train`, one per target
// (a constant target gets std 1); empty for classification.
Normalization compute_target_normalization(const Dataset& train);
// Applies `norm` to every sample of `dataset` in place; throws host::Error if the channel count
// differs.
void normalize(Dataset& dataset, const Normalization& norm);

nlohmann::json to_json(const Normalization& norm);
// Reads {"mean": [...], "std": [...]}; throws host::Error naming the field on a bad value.
Normalization normalization_from_json(const nlohmann::json& json);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_NORMALIZATION_H_
