// The project file's `features:` block: how raw samples become what the model sees. The settings
// build a feature graph (feature_graph.h), a .tflite run by the runtime on the host while training
// and on the device in the firmware, so both compute the same bytes. docs/features.md documents
// every key.
#ifndef TINYFORGE_TOOLKIT_FEATURES_SETTINGS_H_
#define TINYFORGE_TOOLKIT_FEATURES_SETTINGS_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::features {

enum class Kind {
  kLogMel,  // audio: windowed FFT, mel filter bank, log (TFLM's frontend), int8 per channel
  kMfcc,    // audio: log-mel, then a DCT (int8 coefficients)
};

struct AudioFrontend {
  int sample_rate = 16000;  // Hz; clips at another rate are refused
  double window_ms = 30;
  double stride_ms = 20;
  int fft_length = 0;  // 0: the smallest power of two holding a window
  int channels = 40;   // mel channels
  double lower_hz = 125;
  double upper_hz = 7500;
  bool noise_reduction = false;  // per-channel noise estimate subtracted (spectral subtraction)
  int coefficients = 13;         // mfcc: DCT coefficients kept
};

struct FeatureSettings {
  Kind kind = Kind::kLogMel;
  AudioFrontend audio;

  int64_t window_samples() const;
  int64_t stride_samples() const;
  int effective_fft_length() const;
  // Values per frame: mel channels, or MFCC coefficients.
  int frame_size() const;
  // Frames of a clip of `samples` samples: one per stride while a whole window fits.
  int64_t frames_for(int64_t samples) const;
  const char* kind_name() const;
};

// Parses `node` (the features block); errors name `where` ("features.window_ms: ...") and what is
// expected, and settings that cannot work (a window longer than the FFT, mel channels the FFT
// cannot resolve, frequencies above Nyquist) are refused here, before any data is loaded.
FeatureSettings parse_feature_settings(const YAML::Node& node);

// The settings as stored in the models' tinyforge metadata ("features"), and back.
nlohmann::json to_json(const FeatureSettings& settings);
FeatureSettings feature_settings_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace tinyforge::features

#endif  // TINYFORGE_TOOLKIT_FEATURES_SETTINGS_H_
