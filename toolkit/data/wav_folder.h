// Audio classification datasets: ROOT/<class>/<clip>.wav, read with libsndfile, mixed to mono and
// padded with zeros or cropped to a fixed length.
#ifndef TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_
#define TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_

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
  int sample_rate = 0;  // required rate in Hz; 0 accepts any (a mismatch is bad data)
  SampleFormat format = SampleFormat::kFloat;
  bool skip_bad = false;
};

// Samples are [length, 1]. Longer clips keep their first `length` samples; shorter ones are
// padded with silence at the end.
Dataset load_wav_folder(const std::string& root, const AudioOptions& options);

// One clip as mono floats in [-1, 1], unpadded; `sample_rate` receives its rate. Throws
// host::Error naming the file if libsndfile cannot read it.
std::vector<float> read_wav_mono(const std::string& path, int& sample_rate);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_WAV_FOLDER_H_
