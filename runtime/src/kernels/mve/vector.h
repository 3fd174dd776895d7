// The Arm MVE (Helium) intrinsics the MVE kernels use: arm_mve.h where the core has MVE, and
// elsewhere a portable emulation of exactly those intrinsics (same names, same lane semantics as
// the Armv8.1-M instruction descriptions), so host tests run the kernels' own loops.
//
// Predicates are 16 bits, one per byte lane, as in the architecture: a 32-bit lane is active when
// its four bits are set (vctp32q sets them together). Inactive lanes of a zeroing load read as 0
// and touch no memory; predicated stores leave inactive bytes alone.
#ifndef TINYFORGE_KERNELS_MVE_VECTOR_H_
#define TINYFORGE_KERNELS_MVE_VECTOR_H_

#include <stdint.h>

#if defined(__ARM_FEATURE_MVE)
#include <arm_mve.h>
#else

namespace tinyforge {

struct int8x16_t {
  int8_t lane[16];
};
struct int16x8_t {
  int16_t lane[8];
};
struct uint16x8_t {
  uint16_t lane[8];
};
struct int32x4_t {
  int32_t lane[4];
};
struct uint32x4_t {
  uint32_t lane[4];
};
using mve_pred16_t = uint16_t;

namespace mve_emulation {

inline bool active32(mve_pred16_t p, int lane) { return ((p >> (4 * lane)) & 1u) != 0; }
inline int32_t wrap(int64_t x) { return static_cast<int32_t>(static_cast<uint32_t>(x)); }
inline int32_t saturate(int64_t x) {
  return x > INT32_MAX ? INT32_MAX : (x < INT32_MIN ? INT32_MIN : static_cast<int32_t>(x));
}
// The shift amount of VSHL/VRSHL (register): the signed bottom byte of the lane.
inline int shift_amount(int32_t b) { return static_cast<int8_t>(b & 0xFF); }

template <typename F>
int32x4_t map(F f) {
  int32x4_t r;
  for (int i = 0; i < 4; ++i) r.lane[i] = f(i);
  return r;
}

}  // namespace mve_emulation

// Tail predicates: the first n lanes active.
inline mve_pred16_t vctp8q(uint32_t n) {
  return static_cast<mve_pred16_t>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
}
inline mve_pred16_t vctp16q(uint32_t n) {
  return static_cast<mve_pred16_t>(n >= 8 ? 0xFFFFu : (1u << (2 * n)) - 1u);
}
inline mve_pred16_t vctp32q(uint32_t n) {
  return static_cast<mve_pred16_t>(n >= 4 ? 0xFFFFu : (1u << (4 * n)) - 1u);
}

// 16 x int8.
inline int8x16_t vldrbq_z_s8(const int8_t* p, mve_pred16_t pred) {
  int8x16_t r;
  for (int i = 0; i < 16; ++i) r.lane[i] = ((pred >> i) & 1u) != 0 ? p[i] : 0;
  return r;
}
inline int8x16_t vldrbq_s8(const int8_t* p) { return vldrbq_z_s8(p, 0xFFFFu); }
inline void vstrbq_p_s8(int8_t* p, int8x16_t v, mve_pred16_t pred) {
  for (int i = 0; i < 16; ++i) {
    if (((pred >> i) & 1u) != 0) p[i] = v.lane[i];
  }
}
inline void vstrbq_s8(int8_t* p, int8x16_t v) { vstrbq_p_s8(p, v, 0xFFFFu); }
// a where the predicate is set, b elsewhere (VPSEL).
inline int8x16_t vpselq_s8(int8x16_t a, int8x16_t b, mve_pred16_t pred) {
  for (int i = 0; i < 16; ++i) a.lane[i] = ((pred >> i) & 1u) != 0 ? a.lane[i] : b.lane[i];
  return a;
}
inline int8x16_t vdupq_n_s8(int8_t x) {
  int8x16_t r;
  for (int8_t& l : r.lane) l = x;
  return r;
}
// acc + sum of a[i] * b[i] (VMLADAVA.S8), wrapping like the 32-bit accumulator register.
inline int32_t vmladavaq_s8(int32_t acc, int8x16_t a, int8x16_t b) {
  for (int i = 0; i < 16; ++i) acc = mve_emulation::wrap(int64_t{acc} + a.lane[i] * b.lane[i]);
  return acc;
}

// 8 x int16.
inline int16x8_t vldrbq_z_s16(const int8_t* p, mve_pred16_t pred) {  // widening byte load
  int16x8_t r;
  for (int i = 0; i < 8; ++i) r.lane[i] = ((pred >> (2 * i)) & 1u) != 0 ? p[i] : 0;
  return r;
}
inline int16x8_t vldrbq_s16(const int8_t* p) { return vldrbq_z_s16(p, 0xFFFFu); }
// p[offset[i]] widened (VLDRB.S16 gather).
inline int16x8_t vldrbq_gather_offset_z_s16(const int8_t* p, uint16x8_t offset, mve_pred16_t pred) {
  int16x8_t r;
  for (int i = 0; i < 8; ++i) r.lane[i] = ((pred >> (2 * i)) & 1u) != 0 ? p[offset.lane[i]] : 0;
  return r;
}
inline int16x8_t vldrbq_gather_offset_s16(const int8_t* p, uint16x8_t offset) {
  return vldrbq_gather_offset_z_s16(p, offset, 0xFFFFu);
}
inline uint16x8_t vldrhq_z_u16(const uint16_t* p, mve_pred16_t pred) {
  uint16x8_t r;
  for (int i = 0; i < 8; ++i) r.lane[i] = ((pred >> (2 * i)) & 1u) != 0 ? p[i] : 0;
  return r;
}
inline uint16x8_t vldrhq_u16(const uint16_t* p) { return vldrhq_z_u16(p, 0xFFFFu); }
inline int16x8_t vaddq_n_s16(int16x8_t a, int16_t b) {
  for (int16_t& l : a.lane) l = static_cast<int16_t>(static_cast<uint16_t>(l + b));
  return a;
}
// Products of the even (bottom) or odd (top) lanes, widened to 32 bits (VMULLB/VMULLT).
inline int32x4_t vmullbq_int_s16(int16x8_t a, int16x8_t b) {
  return mve_emulation::map([&](int i) { return a.lane[2 * i] * b.lane[2 * i]; });
}
inline int32x4_t vmulltq_int_s16(int16x8_t a, int16x8_t b) {
  return mve_emulation::map([&](int i) { return a.lane[2 * i + 1] * b.lane[2 * i + 1]; });
}

// 4 x int32.
inline int32x4_t vldrbq_z_s32(const int8_t* p, mve_pred16_t pred) {  // widening byte load
  return mve_emulation::map([&](int i) { return mve_emulation::active32(pred, i) ? p[i] : 0; });
}
inline int32x4_t vldrbq_s32(const int8_t* p) { return vldrbq_z_s32(p, 0xFFFFu); }
inline int32x4_t vldrwq_z_s32(const int32_t* p, mve_pred16_t pred) {
  return mve_emulation::map([&](int i) { return mve_emulation::active32(pred, i) ? p[i] : 0; });
}
inline int32x4_t vldrwq_s32(const int32_t* p) { return vldrwq_z_s32(p, 0xFFFFu); }
// base[offset[i]] (VLDRW gather, offsets scaled by the element size).
inline int32x4_t vldrwq_gather_shifted_offset_z_s32(const int32_t* base, uint32x4_t offset,
                                                    mve_pred16_t pred) {
  return mve_emulation::map(
      [&](int i) { return mve_emulation::active32(pred, i) ? base[offset.lane[i]] : 0; });
}
// The low byte of each active lane to p[i] (narrowing VSTRB.32).
inline void vstrbq_p_s32(int8_t* p, int32x4_t v, mve_pred16_t pred) {
  for (int i = 0; i < 4; ++i) {
    if (mve_emulation::active32(pred, i)) p[i] = static_cast<int8_t>(v.lane[i] & 0xFF);
  }
}
inline int32x4_t vldrwq_gather_shifted_offset_s32(const int32_t* base, uint32x4_t offset) {
  return vldrwq_gather_shifted_offset_z_s32(base, offset, 0xFFFFu);
}
// base[offset[i]] sign-extended (VLDRB.S32 gather, byte offsets).
inline int32x4_t vldrbq_gather_offset_z_s32(const int8_t* base, uint32x4_t offset,
                                            mve_pred16_t pred) {
  return mve_emulation::map(
      [&](int i) { return mve_emulation::active32(pred, i) ? base[offset.lane[i]] : 0; });
}
inline int32x4_t vldrbq_gather_offset_s32(const int8_t* base, uint32x4_t offset) {
  return vldrbq_gather_offset_z_s32(base, offset, 0xFFFFu);
}
inline void vstrbq_s32(int8_t* p, int32x4_t v) { vstrbq_p_s32(p, v, 0xFFFFu); }
// The low byte of each active lane to base[offset[i]] (VSTRB.32 scatter).
inline void vstrbq_scatter_offset_p_s32(int8_t* base, uint32x4_t offset, int32x4_t v,
                                        mve_pred16_t pred) {
  for (int i = 0; i < 4; ++i) {
    if (mve_emulation::active32(pred, i))
      base[offset.lane[i]] = static_cast<int8_t>(v.lane[i] & 0xFF);
  }
}
inline void vstrbq_scatter_offset_s32(int8_t* base, uint32x4_t offset, int32x4_t v) {
  vstrbq_scatter_offset_p_s32(base, offset, v, 0xFFFFu);
}
inline int32x4_t vdupq_n_s32(int32_t x) {
  return mve_emulation::map([&](int) { return x; });
}
inline int32x4_t vsetq_lane_s32(int32_t x, int32x4_t v, int lane) {
  v.lane[lane] = x;
  return v;
}
inline uint32x4_t vdupq_n_u32(uint32_t x) { return uint32x4_t{{x, x, x, x}}; }
// a, a + step, a + 2 step, a + 3 step (VIDUP).
inline uint32x4_t vidupq_n_u32(uint32_t a, int step) {
  const uint32_t s = static_cast<uint32_t>(step);
  return uint32x4_t{{a, a + s, a + 2 * s, a + 3 * s}};
}
inline int32x4_t vaddq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map(
      [&](int i) { return mve_emulation::wrap(int64_t{a.lane[i]} + b.lane[i]); });
}
inline int32x4_t vaddq_n_s32(int32x4_t a, int32_t b) { return vaddq_s32(a, vdupq_n_s32(b)); }
inline int32x4_t vmulq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map(
      [&](int i) { return mve_emulation::wrap(int64_t{a.lane[i]} * b.lane[i]); });
}
inline int32x4_t vqaddq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map(
      [&](int i) { return mve_emulation::saturate(int64_t{a.lane[i]} + b.lane[i]); });
}
inline int32x4_t vmaxq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) { return a.lane[i] > b.lane[i] ? a.lane[i] : b.lane[i]; });
}
inline int32x4_t vminq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) { return a.lane[i] < b.lane[i] ? a.lane[i] : b.lane[i]; });
}
inline int32x4_t vandq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) { return a.lane[i] & b.lane[i]; });
}
inline int32x4_t vshrq_n_s32(int32x4_t a, int n) {  // arithmetic, 1 <= n <= 32
  return mve_emulation::map([&](int i) { return static_cast<int32_t>(int64_t{a.lane[i]} >> n); });
}
// Shift left by b (bits shifted out are lost) or, for negative b, arithmetic right (VSHL).
inline int32x4_t vshlq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) {
    const int n = mve_emulation::shift_amount(b.lane[i]);
    if (n >= 0) return n >= 32 ? 0 : mve_emulation::wrap(int64_t{a.lane[i]} * (int64_t{1} << n));
    return static_cast<int32_t>(int64_t{a.lane[i]} >> (-n > 32 ? 32 : -n));
  });
}
// As vshlq_s32, but a right shift adds half of the last unit first: rounds to nearest, ties
// toward +infinity (VRSHL).
inline int32x4_t vrshlq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) {
    const int n = mve_emulation::shift_amount(b.lane[i]);
    if (n >= 0) return n >= 32 ? 0 : mve_emulation::wrap(int64_t{a.lane[i]} * (int64_t{1} << n));
    const int r = -n > 32 ? 32 : -n;
    return static_cast<int32_t>((int64_t{a.lane[i]} + (int64_t{1} << (r - 1))) >> r);
  });
}
// The high half of 2 * a * b, rounded, saturated (VQRDMULH): only INT32_MIN * INT32_MIN saturates.
inline int32x4_t vqrdmulhq_s32(int32x4_t a, int32x4_t b) {
  return mve_emulation::map([&](int i) {
    if (a.lane[i] == INT32_MIN && b.lane[i] == INT32_MIN) return INT32_MAX;
    const int64_t doubled = 2 * int64_t{a.lane[i]} * b.lane[i];
    return static_cast<int32_t>((doubled + (int64_t{1} << 31)) >> 32);
  });
}

}  // namespace tinyforge

#endif  // __ARM_FEATURE_MVE

#endif  // TINYFORGE_KERNELS_MVE_VECTOR_H_
