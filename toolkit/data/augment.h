// Training-time augmentation applied to a batch in place with the caller's RNG, so a seeded run
// sees the same augmented batches every time. Only the training split is augmented.
#ifndef TINYFORGE_TOOLKIT_DATA_AUGMENT_H_
#define TINYFORGE_TOOLKIT_DATA_AUGMENT_H_

#include <vector>

#include "toolkit/data/random.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::data {

struct ImageAugmentation {
  int max_shift = 0;             // shift by up to this many pixels in x and y
  bool horizontal_flip = false;  // mirror half of the images left-right
  int crop_padding = 0;          // pad by this many pixels on each side, crop back at random
  // Detection only: zoom in by up to this factor (a crop scaled back to the image), boxes with it.
  float max_zoom = 0.0f;
  // Per-channel value of pixels shifted in: empty = 0. On normalized data, -mean/std makes them
  // black as in the raw image.
  std::vector<float> fill;

  bool enabled() const {
    return max_shift > 0 || horizontal_flip || crop_padding > 0 || max_zoom > 0;
  }
};

// `batch` is [N, H, W, C].
void augment_images(graph::Tensor& batch, const ImageAugmentation& options, Rng& rng);

struct AudioAugmentation {
  int max_time_shift = 0;  // shift each clip by up to this many samples either way (zero fill)
  // Play each clip at a speed drawn from [1 - c, 1 + c] (resampled by linear interpolation, the
  // end zero-filled): pitch and tempo change together, as between speakers (speed perturbation,
  // Ko et al., Interspeech 2015). 0: off.
  float max_speed_change = 0.0f;
  // Background noise clips (a clip shorter than the batch's clips loops), each mixed, from a
  // random offset, into a random `noise_probability` share of the batch at `snr_db` signal-to-noise
  // ratio.
  std::vector<std::vector<float>> noise;
  float snr_db = 10.0f;
  float noise_probability = 1.0f;

  bool enabled() const { return max_time_shift > 0 || max_speed_change > 0 || !noise.empty(); }
};

// `batch` is [N, L] or [N, L, 1]. Noise is scaled so that signal power / noise power =
// 10^(snr_db / 10) for each clip; a silent clip gets no noise (its SNR is undefined).
void augment_audio(graph::Tensor& batch, const AudioAugmentation& options, Rng& rng);

// Every clip of every .wav in `dir` (recursively), mono, for AudioAugmentation::noise.
std::vector<std::vector<float>> load_noise_clips(const std::string& dir);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_AUGMENT_H_
