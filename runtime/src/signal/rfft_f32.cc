#include "signal/rfft_f32.h"

#include "signal/deterministic_math.h"

namespace tinyforge {

bool rfft_f32_length_supported(int32_t fft_length) {
  return fft_length >= kMinRfftF32Length && fft_length <= kMaxRfftF32Length &&
         (fft_length & (fft_length - 1)) == 0;
}

void rfft_f32_twiddles(int32_t fft_length, float* twiddles) {
  for (int32_t k = 0; k < fft_length / 2; ++k) {
    double s, c;
    sin_cos_of_turn(k, fft_length, &s, &c);
    twiddles[2 * k] = static_cast<float>(c);
    twiddles[2 * k + 1] = static_cast<float>(s);
  }
}

void rfft_f32_power(const float* twiddles, int32_t fft_length, float* frame, float* power) {
  // The frame as half as many complex values z[m] = x[2m] + i x[2m+1].
  const int32_t half = fft_length / 2;
  float* z = frame;
  // Bit-reversed order, then decimation-in-time butterflies.
  for (int32_t i = 1, j = 0; i < half; ++i) {
    int32_t bit = half >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const float re = z[2 * i], im = z[2 * i + 1];
      z[2 * i] = z[2 * j];
      z[2 * i + 1] = z[2 * j + 1];
      z[2 * j] = re;
      z[2 * j + 1] = im;
    }
  }
  for (int32_t size = 2; size <= half; size *= 2) {
    const int32_t span = size / 2, step = fft_length / size;
    for (int32_t start = 0; start < half; start += size) {
      for (int32_t j = 0; j < span; ++j) {
        // w = e^(-2 pi i j / size) = cos - i sin of twiddle j * step.
        const float c = twiddles[2 * j * step], s = twiddles[2 * j * step + 1];
        float* a = z + 2 * (start + j);
        float* b = a + 2 * span;
        const float tr = c * b[0] + s * b[1], ti = c * b[1] - s * b[0];
        b[0] = a[0] - tr;
        b[1] = a[1] - ti;
        a[0] = a[0] + tr;
        a[1] = a[1] + ti;
      }
    }
  }
  // Z = E + i O with E, O the transforms of the even and odd samples; since x is real,
  // conj(Z[half - k]) = E[k] - i O[k], so with S = Z[k] + conj(Z[half - k]) and
  // D = Z[k] - conj(Z[half - k]): 2 X[k] = S - i w^k D, w = e^(-2 pi i / fft_length).
  const float dc = z[0] + z[1], nyquist = z[0] - z[1];
  power[0] = dc * dc;
  power[half] = nyquist * nyquist;
  for (int32_t k = 1; k < half; ++k) {
    const float* a = z + 2 * k;
    const float* b = z + 2 * (half - k);
    const float sr = a[0] + b[0], si = a[1] - b[1], dr = a[0] - b[0], di = a[1] + b[1];
    const float c = twiddles[2 * k], s = twiddles[2 * k + 1];
    const float re = sr + (c * di - s * dr), im = si - (c * dr + s * di);
    power[k] = 0.25f * (re * re + im * im);
  }
}

}  // namespace tinyforge
