// The motion (accelerometer / IMU) frontend's custom operators: what they compute, their options
// and the layout of their outputs, so the toolkit can build the feature graph and size its tensors
// from the options alone. docs/runtime.md "Motion features" says the same for users.
//
// TinyforgeMotionFilter: input float32 [window, axes] or [1, window, axes]; output the same shape,
// each axis through a 2nd-order Butterworth low- or high-pass filter. Options (FlexBuffers map):
//   sample_rate  number, 1..100000 Hz (required)
//   filter       int, 1 low-pass, 2 high-pass (required)
//   cutoff_hz    number, sample_rate / 10000 < cutoff_hz < sample_rate / 2 (required)
//   filter_init  int, 1 (default): the state starts as if the window's first sample had been the
//                input forever (a constant offset such as gravity gives no step transient);
//                0: the state starts at zero. Each window starts afresh either way (no state is
//                kept between invocations).
//
// TinyforgeMotionFeatures: input float32 [window, axes] or [1, window, axes] (window >= 2,
// axes <= 64); output float32 of any shape holding
//     axes * motion_features_per_axis(...)
//   = axes * (mean + rms + std + p2p + fft_bins + 2 * peaks)
// values (each of mean, rms, std, p2p counting 1 when selected), axis-major: axis 0's features,
// then axis 1's, and within an axis in this order:
//   mean        of the raw samples (before the filter: it carries orientation, e.g. gravity)
//   rms         sqrt(mean(y^2)) of the filtered samples y, mean not removed
//   std         sqrt(mean((y - mean(y))^2)): the population standard deviation of y
//   p2p         max(y) - min(y)
//   fft_bins    log band energies: ln(E_b + 1e-10), see below
//   peaks       for the strongest spectral peaks, strongest first: frequency in Hz, then the peak's
//               log energy (same scale as the bands); missing peaks give 0 Hz and ln(1e-10)
// Options: sample_rate, filter (0 none (default), 1 low, 2 high), cutoff_hz (only with a filter)
// and filter_init as above (y = x without a filter); mean, rms, std, p2p: 0 or 1 (default 0);
// fft_bins 0..fft_length/2 and peaks 0..16 (default 0); fft_length: a power of two 16..4096,
// required when fft_bins or peaks is nonzero; fft_window: 1 Hann (default), 0 none. At least one
// feature must be selected; an unknown key is refused.
//
// The spectrum: the last U = min(window, fft_length) filtered samples, minus their mean, times the
// periodic Hann window w[i] = 0.5 - 0.5 cos(2 pi i / U) (or 1), zero-padded to fft_length = N.
// Bin energies E_k = c_k |X_k|^2 / (N sum(w^2)) for k = 0..N/2, with c_k = 1 at DC and Nyquist and
// 2 between, so that the energies add up to the windowed samples' mean square (Parseval): about
// the variance of y. Band b of B = fft_bins holds bins motion_band_start(b) up to
// motion_band_start(b + 1) - 1: equal widths from 0 Hz to Nyquist, the last band taking Nyquist.
// A peak is a bin k >= 1 with E_k > E_{k-1} and E_k >= E_{k+1} (k < N/2); its frequency and height
// are refined by a parabola through the log energies of bins k-1, k, k+1 (offset clamped to half a
// bin): f = (k + d) sample_rate / N. Ties go to the lower bin.
//
// Every output is the same float32 bits on the host and on every board
// (signal/deterministic_math.h); a NaN output is always the quiet NaN 0x7FC00000.
#ifndef TINYFORGE_SIGNAL_MOTION_FEATURES_H_
#define TINYFORGE_SIGNAL_MOTION_FEATURES_H_

#include <stdint.h>

namespace tinyforge {

struct MotionFeatureSet {
  bool mean = false, rms = false, std = false, p2p = false;
  int32_t fft_bins = 0;
  int32_t peaks = 0;
};

constexpr int32_t kMaxMotionAxes = 64;
constexpr int32_t kMaxMotionWindow = 65536;
constexpr int32_t kMaxMotionPeaks = 16;
// Added to every energy before its log, so silence gives a finite value.
constexpr float kMotionLogFloor = 1e-10f;

constexpr int32_t motion_features_per_axis(const MotionFeatureSet& set) {
  return (set.mean ? 1 : 0) + (set.rms ? 1 : 0) + (set.std ? 1 : 0) + (set.p2p ? 1 : 0) +
         set.fft_bins + 2 * set.peaks;
}

// The first FFT bin of band `band` of `bands` over an fft_length-point spectrum (bins 0 ..
// fft_length / 2); band `bands` gives the end, fft_length / 2 + 1.
constexpr int32_t motion_band_start(int32_t band, int32_t bands, int32_t fft_length) {
  return band == bands ? fft_length / 2 + 1 : band * (fft_length / 2) / bands;
}

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_MOTION_FEATURES_H_
