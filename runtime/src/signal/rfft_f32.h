// The power spectrum of a float32 frame: a radix-2 FFT of half the length over the even and odd
// samples, then the real split. Every operation is an IEEE float addition or multiplication in an
// order fixed by the code, and the twiddles come from signal/deterministic_math.h, so the host
// and every board compute the same bits (the runtime is built with -ffp-contract=off).
// The int16 kissfft of signal/rfft_q15.h remains the audio frontend's.
#ifndef TINYFORGE_SIGNAL_RFFT_F32_H_
#define TINYFORGE_SIGNAL_RFFT_F32_H_

#include <stdint.h>

namespace tinyforge {

constexpr int32_t kMinRfftF32Length = 16;
constexpr int32_t kMaxRfftF32Length = 4096;

// A power of two in [kMinRfftF32Length, kMaxRfftF32Length].
bool rfft_f32_length_supported(int32_t fft_length);

// The twiddles of an fft_length-point real FFT: fft_length floats, (cos, sin) of 2 pi k /
// fft_length for k < fft_length / 2.
void rfft_f32_twiddles(int32_t fft_length, float* twiddles);

// |X_k|^2 for k = 0 .. fft_length / 2 of the fft_length real samples in `frame` (used as work
// memory: its contents are lost) into `power` (fft_length / 2 + 1 floats, not overlapping frame).
void rfft_f32_power(const float* twiddles, int32_t fft_length, float* frame, float* power);

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_RFFT_F32_H_
