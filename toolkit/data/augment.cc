#include "toolkit/data/augment.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "toolkit/data/class_folders.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace {

// Moves image `img` [H, W, C] by (dy, dx) pixels, filling uncovered pixels with `fill`.
void shift_image(float* img, int64_t h, int64_t w, int64_t c, int64_t dy, int64_t dx,
                 const std::vector<float>& fill, std::vector<float>& scratch) {
  if (dy == 0 && dx == 0) return;
  scratch.assign(img, img + h * w * c);
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const int64_t sy = y - dy, sx = x - dx;
      float* dst = img + (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (int64_t ch = 0; ch < c; ++ch) dst[ch] = fill.empty() ? 0.0f : fill[ch % fill.size()];
      } else {
        const float* src = scratch.data() + (sy * w + sx) * c;
        std::copy(src, src + c, dst);
      }
    }
  }
}

void flip_image(float* img, int64_t h, int64_t w, int64_t c) {
  for (int64_t y = 0; y < h; ++y) {
    float* row = img + y * w * c;
    for (int64_t x = 0; x < w / 2; ++x) {
      std::swap_ranges(row + x * c, row + (x + 1) * c, row + (w - 1 - x) * c);
    }
  }
}

}  // namespace

void augment_images(graph::Tensor& batch, const ImageAugmentation& options, Rng& rng) {
  if (!options.enabled()) return;
  if (batch.rank() != 4) {
    throw host::Error("image augmentation needs a batch [N,H,W,C]; got " +
                      graph::shape_string(batch.shape()));
  }
  const int64_t n = batch.dim(0), h = batch.dim(1), w = batch.dim(2), c = batch.dim(3);
  std::vector<float> scratch;
  for (int64_t i = 0; i < n; ++i) {
    float* img = batch.data() + i * h * w * c;
    // Which draws are made depends only on the options, so a seeded run repeats exactly.
    if (options.horizontal_flip && uniform_below(rng, 2) == 1) flip_image(img, h, w, c);
    if (options.crop_padding > 0) {
      // Padding by p then cropping at offset (oy, ox) in [0, 2p] is a shift by (p - oy, p - ox).
      const int64_t p = options.crop_padding;
      const int64_t oy = uniform_int(rng, 0, 2 * p), ox = uniform_int(rng, 0, 2 * p);
      shift_image(img, h, w, c, p - oy, p - ox, options.fill, scratch);
    }
    if (options.max_shift > 0) {
      const int64_t s = options.max_shift;
      const int64_t dy = uniform_int(rng, -s, s), dx = uniform_int(rng, -s, s);
      shift_image(img, h, w, c, dy, dx, options.fill, scratch);
    }
  }
}

void augment_audio(graph::Tensor& batch, const AudioAugmentation& options, Rng& rng) {
  if (!options.enabled()) return;
  if (batch.rank() < 2 || batch.rank() > 3 || (batch.rank() == 3 && batch.dim(2) != 1)) {
    throw host::Error("audio augmentation needs a batch [N,L] or [N,L,1]; got " +
                      graph::shape_string(batch.shape()));
  }
  const int64_t n = batch.dim(0), len = batch.dim(1);
  std::vector<float> scratch(static_cast<size_t>(len));
  for (int64_t i = 0; i < n; ++i) {
    float* clip = batch.data() + i * len;
    if (options.max_speed_change > 0) {
      const double c = options.max_speed_change;
      const double speed = 1.0 - c + 2.0 * c * uniform01(rng);
      std::copy(clip, clip + len, scratch.begin());
      for (int64_t t = 0; t < len; ++t) {
        const double from = static_cast<double>(t) * speed;
        const auto k = static_cast<int64_t>(from);
        const double w = from - static_cast<double>(k);
        clip[t] = k + 1 < len ? static_cast<float>((1 - w) * scratch[k] + w * scratch[k + 1])
                  : k < len   ? scratch[k]
                              : 0.0f;
      }
    }
    if (options.max_time_shift > 0) {
      const int64_t s = options.max_time_shift;
      const int64_t shift = uniform_int(rng, -s, s);
      std::copy(clip, clip + len, scratch.begin());
      for (int64_t t = 0; t < len; ++t) {
        const int64_t from = t - shift;
        clip[t] = from >= 0 && from < len ? scratch[from] : 0.0f;
      }
    }
    if (!options.noise.empty() && uniform01(rng) < options.noise_probability) {
      const std::vector<float>& noise = options.noise[uniform_below(rng, options.noise.size())];
      if (noise.empty()) continue;
      const uint64_t offset = uniform_below(rng, noise.size());
      double signal_power = 0, noise_power = 0;
      for (int64_t t = 0; t < len; ++t) {
        const float v = noise[(offset + t) % noise.size()];
        scratch[t] = v;
        signal_power += static_cast<double>(clip[t]) * clip[t];
        noise_power += static_cast<double>(v) * v;
      }
      if (signal_power == 0 || noise_power == 0) continue;
      // P_signal / (g^2 P_noise) = 10^(snr/10)  =>  g = sqrt(P_signal / P_noise / 10^(snr/10)).
      const double gain =
          std::sqrt(signal_power / noise_power / std::pow(10.0, options.snr_db / 10));
      for (int64_t t = 0; t < len; ++t) clip[t] += static_cast<float>(gain * scratch[t]);
    }
  }
}

std::vector<std::vector<float>> load_noise_clips(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw host::Error(dir + ": noise directory does not exist");
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    if (is_hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".wav") {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw host::Error(dir + ": no .wav noise clips found");
  std::vector<std::vector<float>> clips;
  for (const std::string& f : files) {
    int rate = 0;
    clips.push_back(read_wav_mono(f, rate));
  }
  return clips;
}

}  // namespace tinyforge::data
