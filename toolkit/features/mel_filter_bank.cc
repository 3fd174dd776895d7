#include "toolkit/features/mel_filter_bank.h"

#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::features {

double hz_to_mel(double hz) { return 1127.0 * std::log1p(hz / 700.0); }

MelFilterBank design_mel_filter_bank(int sample_rate, int fft_length, int channels, double lower_hz,
                                     double upper_hz) {
  const double nyquist = sample_rate / 2.0;
  if (!(lower_hz >= 0 && lower_hz < upper_hz && upper_hz <= nyquist)) {
    throw host::Error("features: lower_hz " + std::to_string(lower_hz) + " and upper_hz " +
                      std::to_string(upper_hz) + " must satisfy 0 <= lower < upper <= " +
                      std::to_string(nyquist) + " (half the sample rate)");
  }
  const int bins = fft_length / 2 + 1;
  const double mel_low = hz_to_mel(lower_hz), mel_high = hz_to_mel(upper_hz);
  const double spacing = (mel_high - mel_low) / (channels + 1);
  auto mel_point = [&](int i) { return mel_low + spacing * i; };

  MelFilterBank bank;
  std::vector<int> channel_bins(channels, 0);  // bins with a non-zero weight, per channel
  int bin = 0;
  while (bin < bins && hz_to_mel(static_cast<double>(bin) * sample_rate / fft_length) < mel_low)
    ++bin;
  bank.first_bin = bin;
  for (int band = 0; band <= channels; ++band) {
    const double from = mel_point(band), to = mel_point(band + 1);
    bank.band_starts.push_back(static_cast<int16_t>(bin));
    bank.weight_starts.push_back(static_cast<int16_t>(bank.weights.size()));
    int width = 0;
    for (; bin < bins; ++bin) {
      const double mel = hz_to_mel(static_cast<double>(bin) * sample_rate / fft_length);
      if (mel >= to) break;
      const double t = (mel - from) / spacing;
      const int rising = static_cast<int>(std::lround(t * (1 << kFilterWeightBits)));
      bank.unweights.push_back(static_cast<int16_t>(rising));
      bank.weights.push_back(static_cast<int16_t>((1 << kFilterWeightBits) - rising));
      if (band > 0 && rising < (1 << kFilterWeightBits)) ++channel_bins[band - 1];
      if (band < channels && rising > 0) ++channel_bins[band];
      ++width;
    }
    bank.band_widths.push_back(static_cast<int16_t>(width));
  }
  bank.end_bin = bin;
  for (int c = 0; c < channels; ++c) {
    if (channel_bins[c] > 0) continue;
    const double center = 700.0 * std::expm1(mel_point(c + 1) / 1127.0);
    throw host::Error("features: mel channel " + std::to_string(c) + " (around " +
                      std::to_string(static_cast<int>(center)) + " Hz) gets no FFT bin: with " +
                      std::to_string(channels) + " channels from " +
                      std::to_string(static_cast<int>(lower_hz)) + " Hz the bins (" +
                      std::to_string(static_cast<double>(sample_rate) / fft_length) +
                      " Hz apart) are too coarse; use a larger fft_length, fewer channels or a "
                      "higher lower_hz");
  }
  return bank;
}

}  // namespace tinyforge::features
