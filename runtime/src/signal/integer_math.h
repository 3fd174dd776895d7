// The integer primitives of TFLite Micro's signal library, with its exact rounding, so features
// computed here are byte-identical to TFLM's (bit counts, square roots, a table-driven log).
#ifndef TINYFORGE_SIGNAL_INTEGER_MATH_H_
#define TINYFORGE_SIGNAL_INTEGER_MATH_H_

#include <stdint.h>

namespace tinyforge {

// Bits needed to hold x (floor(log2 x) + 1). For x = 0 it is the word width: TFLM's GCC build
// computes it from count-leading-zeros that way, and its outputs depend on it.
inline uint32_t bit_length32(uint32_t x) { return x != 0 ? 32u - __builtin_clz(x) : 32u; }
inline uint32_t bit_length64(uint64_t x) { return x != 0 ? 64u - __builtin_clzll(x) : 64u; }

// The square root rounded to nearest, saturated at 0xFFFF (digit by digit, as TFLM's Sqrt32).
uint16_t isqrt_rounded32(uint32_t x);
// The same for 64 bits; values below 2^32 take the 32-bit path (as TFLM's Sqrt64, which makes
// results near 2^32 differ from the exact root by one).
uint32_t isqrt_rounded64(uint64_t x);

// Natural log of x (x > 1) scaled by `out_scale` / 65536: log2 from the bit length and a
// 128-segment interpolated table, then times ln 2 in Q16 (TFLM's Log32).
uint32_t log_scaled(uint32_t x, uint32_t out_scale);

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_INTEGER_MATH_H_
