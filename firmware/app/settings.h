// What a stream application does with its sensor: the sample format, the window the models see and
// how often they run, and how scores become events. `tinyforge deploy --app` writes one into the
// project's app_config.cc; `tinyforge stream` builds the same values on the host
// (toolkit/deploy/app_config.h), so both run the pipeline with identical settings.
#ifndef TINYFORGE_FIRMWARE_APP_SETTINGS_H_
#define TINYFORGE_FIRMWARE_APP_SETTINGS_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge::app {

enum class SampleKind : uint8_t {
  kAudioInt16 = 0,     // mono PCM, one int16 per sample
  kSensorFloat32 = 1,  // `axes` float32 values per sample (accelerometer x, y, z, ...)
};

enum class Scoring : uint8_t {
  kClasses = 0,  // output 0 holds one score per label
  kReconstruction =
      1,         // an autoencoder: the score is the input's mean squared reconstruction error
  kSoftmax = 2,  // output 0 holds one logit per label: the scores are their softmax
};

struct Settings {
  SampleKind samples = SampleKind::kAudioInt16;
  uint32_t axes = 1;                // values per sample
  uint32_t sample_rate_hz = 16000;  // the stream's clock: time advances with the samples
  uint32_t window = 0;              // samples the feature model (or the classifier) sees at once
  uint32_t stride = 0;              // samples between the starts of consecutive windows
  uint32_t inference_period = 1;    // the classifier runs every K strides
  uint32_t average_count = 1;       // scores are averaged over the last N inferences
  uint32_t suppression_ms = 0;      // after an event, none fires for this long
  Scoring scoring = Scoring::kClasses;
  int32_t num_labels = 0;
  const char* const* labels = nullptr;
  const int32_t* thresholds = nullptr;  // per label, Q16 (tinyforge::kNeverFires: never fires)
  // The classifier's input normalization, x' = (x - mean[c]) / std[c] with c = element index modulo
  // norm_channels (tinyforge's training metadata); norm_channels 0 for none.
  const float* input_mean = nullptr;
  const float* input_std = nullptr;
  int32_t norm_channels = 0;
};

inline uint32_t sample_bytes(const Settings& s) {
  return (s.samples == SampleKind::kAudioInt16 ? 2u : 4u) * s.axes;
}

}  // namespace tinyforge::app

#endif  // TINYFORGE_FIRMWARE_APP_SETTINGS_H_
