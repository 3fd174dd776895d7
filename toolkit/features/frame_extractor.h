// A feature model run over a signal the way the device runs it: one stateful interpreter, one
// window of samples per invoke, a new window every `stride` samples. The feature model's input 0
// is one window (audio: int16 [1, window] or [window]; sensors: float32 [window, axes] or
// [1, window, axes]) and its output 0 one feature frame.
#ifndef TINYFORGE_TOOLKIT_FEATURES_FRAME_EXTRACTOR_H_
#define TINYFORGE_TOOLKIT_FEATURES_FRAME_EXTRACTOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "toolkit/host/model_file.h"

namespace tinyforge::features {

class FrameExtractor {
 public:
  // Throws host::Error when the model's input or output cannot serve as a feature model.
  explicit FrameExtractor(const host::ModelFile& model);

  DataType sample_type() const { return input().type; }
  // Channels per sample (1 for audio, the axes for sensors) and samples per window.
  int64_t channels() const { return channels_; }
  int64_t window_samples() const { return window_; }
  size_t sample_bytes() const { return dtype_size(sample_type()) * static_cast<size_t>(channels_); }
  TensorView frame_tensor() const { return interpreter_.get().output(0); }
  size_t frame_bytes() const { return frame_tensor().bytes(); }

  // The windows starting every `stride` samples that fit in `samples` (raw bytes of interleaved
  // samples in the input dtype), one frame each, back to back. State carries over from window to
  // window and from call to call; reset() starts afresh.
  std::vector<uint8_t> run(std::span<const uint8_t> samples, int64_t stride);
  // The number of windows run() computes for `sample_count` samples.
  int64_t frames_for(int64_t sample_count, int64_t stride) const;
  void reset() { interpreter_.get().reset_state(); }

 private:
  TensorView input() const { return interpreter_.get().input(0); }

  host::HostInterpreter interpreter_;
  int64_t channels_ = 1;
  int64_t window_ = 0;
};

}  // namespace tinyforge::features

#endif  // TINYFORGE_TOOLKIT_FEATURES_FRAME_EXTRACTOR_H_
