#include "toolkit/data/wav_folder.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "toolkit/data/bad_data.h"
#include "toolkit/data/class_folders.h"
#include "toolkit/data/speech_commands.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

std::vector<float> read_wav_mono(const std::string& path, int& sample_rate) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) {
    throw host::Error(path + ": unreadable audio (" + sf_strerror(nullptr) +
                      "; expected a WAV file)");
  }
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  sf_count_t frames = sf_readf_float(file, interleaved.data(), info.frames);
  sf_close(file);
  if (frames != info.frames) {
    throw host::Error(path + ": truncated audio (read " + std::to_string(frames) + " of " +
                      std::to_string(info.frames) + " frames)");
  }
  sample_rate = info.samplerate;
  std::vector<float> mono(static_cast<size_t>(frames));
  for (sf_count_t i = 0; i < frames; ++i) {
    float sum = 0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[i * info.channels + c];
    mono[i] = sum / info.channels;
  }
  return mono;
}

namespace {

// Why a clip cannot be a sample ("" when it can).
std::string clip_problem(const std::vector<float>& clip) {
  if (clip.empty()) return "no audio frames (an empty clip)";
  for (size_t i = 0; i < clip.size(); ++i) {
    if (!std::isfinite(clip[i])) return "frame " + std::to_string(i) + " is not a finite number";
  }
  return "";
}

// One warning when clips come at several rates and no rate was required.
void warn_mixed_rates(Dataset& dataset, const std::map<int, int64_t>& clips_per_rate,
                      const std::string& root) {
  if (clips_per_rate.size() < 2) return;
  const auto common =
      std::max_element(clips_per_rate.begin(), clips_per_rate.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  int64_t total = 0;
  for (const auto& [rate, count] : clips_per_rate) total += count;
  dataset.warnings.push_back(
      root + ": " + std::to_string(total - common->second) + " of " + std::to_string(total) +
      " clips are not at " + std::to_string(common->first) +
      " Hz, the most common rate; they were kept as they are (not resampled, so their pitch and "
      "length are off). Set data.audio.sample_rate to treat them as bad data");
}

}  // namespace

Dataset load_wav_folder(const std::string& root, const AudioOptions& options) {
  if (options.length <= 0) {
    throw host::Error("audio.length must be positive; got " + std::to_string(options.length));
  }
  std::vector<std::string> skipped;
  ClassFolders folders =
      list_class_folders(root, {".wav"}, options.skip_bad, skipped, {kBackgroundNoiseFolder});
  Dataset dataset({options.length, 1}, folders.class_names);
  dataset.skipped = std::move(skipped);
  const float scale = options.format == SampleFormat::kInt16 ? 32768.0f : 1.0f;
  std::vector<float> sample(static_cast<size_t>(options.length));
  std::map<int, int64_t> clips_per_rate;
  for (size_t k = 0; k < folders.files.size(); ++k) {
    for (const std::string& file : folders.files[k]) {
      std::vector<float> clip;
      int rate = 0;
      try {
        clip = read_wav_mono(file, rate);
      } catch (const host::Error& e) {
        reject_sample(dataset, options.skip_bad, e.what());
        continue;
      }
      if (options.sample_rate != 0 && rate != options.sample_rate) {
        reject_sample(dataset, options.skip_bad, file,
                      "sample rate " + std::to_string(rate) + " Hz; expected " +
                          std::to_string(options.sample_rate) + " Hz");
        continue;
      }
      if (const std::string problem = clip_problem(clip); !problem.empty()) {
        reject_sample(dataset, options.skip_bad, file, problem);
        continue;
      }
      ++clips_per_rate[rate];
      std::fill(sample.begin(), sample.end(), 0.0f);
      const size_t n = std::min(clip.size(), sample.size());
      for (size_t i = 0; i < n; ++i) {
        // int16 PCM saturates at +32767, as a converter back to int16 would.
        sample[i] = std::clamp(clip[i] * scale, -scale, scale == 1.0f ? 1.0f : 32767.0f);
      }
      const std::string speaker = speaker_of(file);
      if (!speaker.empty()) dataset.group_kind = "speaker";
      dataset.add(sample, static_cast<int>(k), file, speaker);
    }
  }
  warn_mixed_rates(dataset, clips_per_rate, root);
  return dataset;
}

std::vector<int16_t> to_pcm16(std::span<const float> samples, SampleFormat format) {
  const float gain = format == SampleFormat::kInt16 ? 1.0f : 32768.0f;
  std::vector<int16_t> pcm(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const long v = std::lround(samples[i] * gain);
    pcm[i] = static_cast<int16_t>(std::clamp<long>(v, -32768, 32767));
  }
  return pcm;
}

}  // namespace tinyforge::data
