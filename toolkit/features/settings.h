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
  kMotion,  // sensor windows: per-axis filter, statistics, FFT band energies, spectral peaks
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
  // What one model input holds: `frames` consecutive frames (0: all of a clip's), a clip giving a
  // sample every `frames_stride` frames. Not part of the graph (nor of the stored settings): the
  // device stacks the classifier's input from the frames as they come.
  int frames = 0;
  int frames_stride = 1;
};

// One window of a CSV recording ([window, axes] floats) becomes one float32 feature vector
// (TinyforgeMotionFeatures, runtime/src/signal/motion_features.h). The window, its stride and the
// axes come from the data section (csv.window, csv.stride, the feature columns).
struct MotionFrontend {
  int sample_rate = 100;  // Hz
  int filter = 0;         // 0 none, 1 low-pass, 2 high-pass (2nd-order Butterworth, per axis)
  double cutoff_hz = 0;
  bool mean = true, rms = true, std = true, p2p = false;
  int fft_length = 0;  // 0: the smallest power of two holding a window, if bins or peaks
  int fft_bins = 8;
  int peaks = 2;
  // Bound by the data section when the project loads.
  int window = 0;
  int stride = 0;
  int axes = 0;
};

struct FeatureSettings {
  Kind kind = Kind::kLogMel;
  AudioFrontend audio;
  MotionFrontend motion;

  int64_t window_samples() const;
  int64_t stride_samples() const;
  int effective_fft_length() const;
  // Values per frame: mel channels, MFCC coefficients, or motion features of every axis.
  int frame_size() const;
  // Frames of a clip of `samples` samples: one per stride while a whole window fits.
  int64_t frames_for(int64_t samples) const;
  // Audio: frames per model input for clips of `samples` samples (`audio.frames`, else all), and
  // how many such inputs a clip gives (0 when it is too short).
  int64_t input_frames_for(int64_t samples) const;
  int64_t inputs_per_clip(int64_t samples) const;
  const char* kind_name() const;
  bool is_audio() const { return kind != Kind::kMotion; }
  int sample_rate() const { return is_audio() ? audio.sample_rate : motion.sample_rate; }
};

// Parses `node` (the features block); errors name `where` ("features.window_ms: ...") and what is
// expected, and settings that cannot work (a window longer than the FFT, mel channels the FFT
// cannot resolve, frequencies above Nyquist) are refused here, before any data is loaded.
FeatureSettings parse_feature_settings(const YAML::Node& node);

// Motion features take their window, stride and axes from the data section (csv.window,
// csv.stride, the feature columns); the project binds them when it loads. Throws host::Error when
// they do not fit the operator's limits. No effect on audio settings.
void bind_motion_window(FeatureSettings& settings, int window, int stride, int axes);

// The settings as stored in the models' tinyforge metadata ("features"), and back.
nlohmann::json to_json(const FeatureSettings& settings);
FeatureSettings feature_settings_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace tinyforge::features

#endif  // TINYFORGE_TOOLKIT_FEATURES_SETTINGS_H_
