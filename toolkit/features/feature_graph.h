// The feature graph for a features block: a .tflite of the signal library's operators that turns
// one window of int16 samples into one int8 frame (log-mel channels or MFCC coefficients). The
// toolkit runs it with the runtime to make training data and the firmware runs the same file, so
// the device computes the bytes the model was trained on.
#ifndef TINYFORGE_TOOLKIT_FEATURES_FEATURE_GRAPH_H_
#define TINYFORGE_TOOLKIT_FEATURES_FEATURE_GRAPH_H_

#include <cstdint>
#include <vector>

#include "toolkit/features/settings.h"

namespace tinyforge::features {

// How a frame's int8 values map to real ones (log-mel: natural log of the channel amplitude).
// A classifier trained on the real values takes the frame bytes as they are when its int8 input
// has this quantization (pipeline/convert pins it).
struct FrameQuantization {
  float scale = 1;
  int32_t zero_point = 0;
};
FrameQuantization frame_quantization(const FeatureSettings& settings);

// The .tflite bytes: input int16 [window], output int8 [frame_size] (MFCC: [1, coefficients]),
// tinyforge metadata {"features": to_json(settings)}. Deterministic for the settings.
std::vector<uint8_t> build_feature_model(const FeatureSettings& settings);

}  // namespace tinyforge::features

#endif  // TINYFORGE_TOOLKIT_FEATURES_FEATURE_GRAPH_H_
