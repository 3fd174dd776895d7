// The real FFT of int16 samples with kissfft's fixed-point arithmetic (FIXED_POINT 16), which is
// what TFLite Micro's SignalRfft computes: each radix-4/radix-2 stage divides by its radix with
// Q15 rounding, twiddles are Q15 values rounded as kissfft rounds them, and the real spectrum is
// split out of a half-length complex FFT. Same bytes as TFLM for every power-of-two length.
#ifndef TINYFORGE_SIGNAL_RFFT_Q15_H_
#define TINYFORGE_SIGNAL_RFFT_Q15_H_

#include <stdint.h>

namespace tinyforge {

struct ComplexQ15 {
  int16_t re;
  int16_t im;
};

constexpr int32_t kMinRfftLength = 4;
constexpr int32_t kMaxRfftLength = 4096;

// A power of two in [kMinRfftLength, kMaxRfftLength].
bool rfft_q15_length_supported(int32_t fft_length);

// `input` holds fft_length samples; `work` fft_length / 2 complex values of scratch; `output`
// receives fft_length / 2 + 1 complex values (DC .. Nyquist). `input` and `output` may not overlap
// `work`.
void rfft_q15(const int16_t* input, int32_t fft_length, ComplexQ15* work, ComplexQ15* output);

// kissfft's twiddles for a complex FFT of `n` points (n <= kMaxRfftLength / 2): e^(-2 pi i k / n),
// and the real split's e^(-i pi ((k + 1) / n + 1/2)). Exposed for the test that checks them
// against kissfft's floating-point formulas.
ComplexQ15 fft_twiddle_q15(int32_t k, int32_t n);
ComplexQ15 rfft_split_twiddle_q15(int32_t k, int32_t n);

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_RFFT_Q15_H_
