// A quarter of a sine wave in Q15, as kissfft's fixed-point twiddles round it:
// kQ15Sine[r] = floor(0.5 + 32767 * sin(pi * r / 2048)), r = 0..1024 (generated once; the
// twiddle test in tests/unit/signal_test.cc recomputes every twiddle kissfft would for the FFT
// sizes the runtime accepts and compares).
#ifndef TINYFORGE_SIGNAL_Q15_SINE_TABLE_H_
#define TINYFORGE_SIGNAL_Q15_SINE_TABLE_H_

#include <stdint.h>

namespace tinyforge {

// Angles in units of pi / 2048 (a full turn is 4096 units).
constexpr int32_t kQ15SineQuarter = 1024;

extern const int16_t kQ15Sine[kQ15SineQuarter + 1];

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_Q15_SINE_TABLE_H_
