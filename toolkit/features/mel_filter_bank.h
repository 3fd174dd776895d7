// Triangular mel filters in the layout of the signal library's SignalFilterBank: the spectrum is
// cut into num_channels + 1 bands between consecutive mel points; a bin in band i adds `weight`
// (the falling edge, 1 - t) to channel i - 1 and `unweight` (the rising edge, t) to channel i, in
// Q12. Mel scale: 1127 ln(1 + f / 700).
#ifndef TINYFORGE_TOOLKIT_FEATURES_MEL_FILTER_BANK_H_
#define TINYFORGE_TOOLKIT_FEATURES_MEL_FILTER_BANK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tinyforge::features {

constexpr int kFilterWeightBits = 12;

struct MelFilterBank {
  int first_bin = 0;  // bins [first_bin, end_bin) feed a filter
  int end_bin = 0;
  std::vector<int16_t> weights, unweights;
  // Per band (channels + 1): its first bin, its first weight and its bin count.
  std::vector<int16_t> band_starts, weight_starts, band_widths;
};

double hz_to_mel(double hz);

// Throws host::Error when a channel would get no FFT bin (the message says which channel and
// what to change), or when the frequencies do not fit below Nyquist.
MelFilterBank design_mel_filter_bank(int sample_rate, int fft_length, int channels, double lower_hz,
                                     double upper_hz);

}  // namespace tinyforge::features

#endif  // TINYFORGE_TOOLKIT_FEATURES_MEL_FILTER_BANK_H_
