// Audio classification datasets: ROOT/<class>/<clip>.wav, read with libsndfile, mixed to mono and
// padded with zeros or cropped to a fixed length. Speech Commands' conventions hold
// (speech_commands.h): _background_noise_ is not a class, and a clip named
// <speaker>_nohash_<n>.wav belongs to its speaker's group (any other clip is its own group).
#ifndef TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_
#define TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_

#include <string>
#include <vector>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

enum class SampleFormat {
  kFloat,  // values in [-1, 1]
  kInt16,  // values in [-32768, 32767] (as int16 PCM, the scale fixed-point frontends expect)
};

struct AudioOptions {
  int length = 16000;   // samples per clip after padding/cropping
  int sample_rate = 0;  // required rate in Hz (a mismatch is bad data); 0 accepts any
  SampleFormat format = SampleFormat::kFloat;
  bool skip_bad = false;
};

// Samples are [length, 1]. Longer clips keep their first `length` samples; shorter ones are
// padded with silence at the end. Multi-channel clips are mixed to mono (the channels'
// mean); values beyond full scale (float WAVs) are clamped to it. A clip without frames or with a
// NaN/inf value is bad data. Without options.sample_rate, clips at a rate other than the most
// common one are kept (not resampled) and counted in one entry of Dataset::warnings.
Dataset load_wav_folder(const std::string& root, const AudioOptions& options);

// One clip as mono floats in [-1, 1], unpadded; `sample_rate` receives its rate. Throws
// host::Error naming the file if libsndfile cannot read it.
std::vector<float> read_wav_mono(const std::string& path, int& sample_rate);

// A clip's samples (floats in [-1, 1], or int16-scaled with SampleFormat::kInt16) as int16 PCM,
// rounded, beyond full scale saturated. The samples must be finite.
std::vector<int16_t> to_pcm16(std::span<const float> samples, SampleFormat format);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_
