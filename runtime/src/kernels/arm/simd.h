// The Arm DSP-extension (SIMD within a 32-bit register) operations the fast kernels use, with
// portable C++ equivalents elsewhere, so the blocked kernels are written once and the host tests
// run the same loops. Semantics follow the Armv7E-M instruction descriptions; every sum wraps
// modulo 2^32 as the instructions do (SMLAD only sets the Q flag on overflow).
#ifndef TINYFORGE_KERNELS_ARM_SIMD_H_
#define TINYFORGE_KERNELS_ARM_SIMD_H_

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#endif

namespace tinyforge {
namespace simd {

// Four int8 (or two int16) values from any address (Cortex-M4 and later load unaligned words).
inline uint32_t load_word(const void* p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}
inline void store_word(void* p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
// Two consecutive words from a word-aligned address, which then advances by 8 bytes (one LDRD
// with write-back on Cortex-M; GCC does not pair the loads itself).
inline void load_two_words_advance(const int16_t*& p, uint32_t* first, uint32_t* second) {
#if defined(__ARM_FEATURE_DSP)
  __asm__("ldrd %0, %1, [%2], #8"
          : "=r"(*first), "=r"(*second), "+r"(p)
          : "m"(*(const uint64_t(*)[1])p));
#else
  memcpy(first, p, sizeof(*first));
  memcpy(second, p + 2, sizeof(*second));
  p += 4;
#endif
}

// The signed low and high halfwords of a word.
inline int32_t low_half(uint32_t x) { return static_cast<int16_t>(x & 0xFFFFu); }
inline int32_t high_half(uint32_t x) { return static_cast<int16_t>(x >> 16); }

#if defined(__ARM_FEATURE_DSP)

// Bytes 0 and 2, sign-extended into the low and high halfwords.
inline uint32_t sxtb16(uint32_t x) {
  return static_cast<uint32_t>(__sxtb16(static_cast<int32_t>(x)));
}
// Bytes 1 and 3, sign-extended into the low and high halfwords (SXTB16 with ROR #8).
inline uint32_t sxtb16_odd(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// a + sxtb16(x) per halfword, wrapping (SXTAB16).
inline uint32_t sxtab16(uint32_t a, uint32_t x) {
  return static_cast<uint32_t>(__sxtab16(static_cast<int32_t>(a), static_cast<int32_t>(x)));
}
// a + sxtb16_odd(x) per halfword, wrapping (SXTAB16 with ROR #8).
inline uint32_t sxtab16_odd(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
// acc + ((a * b + 2^31) >> 32): the rounded high word of the 64-bit product plus an accumulator
// (SMMLAR).
inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
// acc + a.lo * b.lo + a.hi * b.hi.
inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// acc + a.lo * b.lo.
inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabb(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// acc + a.hi * b.hi.
inline int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatt(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// acc + a.hi * b.lo.
inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatb(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}

#else

inline uint32_t pack_halves(int32_t lo, int32_t hi) {
  return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}
inline int32_t byte_at(uint32_t x, int i) { return static_cast<int8_t>((x >> (8 * i)) & 0xFFu); }
inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
  return static_cast<int32_t>(
      (static_cast<int64_t>(a) * b + (static_cast<int64_t>(acc) << 32) + (int64_t{1} << 31)) >> 32);
}
inline uint32_t sxtb16(uint32_t x) { return pack_halves(byte_at(x, 0), byte_at(x, 2)); }
inline uint32_t sxtb16_odd(uint32_t x) { return pack_halves(byte_at(x, 1), byte_at(x, 3)); }
inline uint32_t sadd16(uint32_t a, uint32_t b) {
  return pack_halves(low_half(a) + low_half(b), high_half(a) + high_half(b));
}
inline uint32_t sxtab16(uint32_t a, uint32_t x) { return sadd16(a, sxtb16(x)); }
inline uint32_t sxtab16_odd(uint32_t a, uint32_t x) { return sadd16(a, sxtb16_odd(x)); }
inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  return wrap_add(wrap_add(acc, low_half(a) * low_half(b)), high_half(a) * high_half(b));
}
inline int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return wrap_add(acc, low_half(a) * low_half(b));
}
inline int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return wrap_add(acc, high_half(a) * high_half(b));
}
inline int32_t smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return wrap_add(acc, high_half(a) * low_half(b));
}

#endif

// The same 16-bit value in both halfwords (operand of sadd16).
inline uint32_t both_halves(int32_t v) {
  return (static_cast<uint32_t>(v) & 0xFFFFu) | (static_cast<uint32_t>(v) << 16);
}

}  // namespace simd
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ARM_SIMD_H_
