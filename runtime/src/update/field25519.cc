#include "update/field25519.h"

#include <string.h>

namespace tinyforge::update {
namespace {

// Limb i holds bits [offset, offset + width) of the element: 26 bits for even i, 25 for odd i
// (2^255 = 2^(26 * 5 + 25 * 5)).
constexpr int kWidth[10] = {26, 25, 26, 25, 26, 25, 26, 25, 26, 25};

// h / 2^Bits rounded to the nearest (ties up), so that h - quotient * 2^Bits lies in
// [-2^(Bits-1), 2^(Bits-1)); or rounded down for the canonical form. Written without shifting
// negative numbers; the constant power of two makes both a shift.
template <int Bits>
int64_t centred_quotient(int64_t h) {
  constexpr int64_t kRadix = int64_t{1} << Bits;
  const int64_t shifted = h + kRadix / 2;
  return (shifted >= 0 ? shifted : shifted - (kRadix - 1)) / kRadix;
}
template <int Bits>
int64_t floor_quotient(int64_t h) {
  constexpr int64_t kRadix = int64_t{1} << Bits;
  return (h >= 0 ? h : h - (kRadix - 1)) / kRadix;
}

// Moves limb i's bits above its width into limb i + 1 (the top limb's, worth 2^255 = 19 mod p,
// into limb 0).
template <int Bits, bool kCentred>
void carry_limb(int64_t h[10], int i) {
  const int64_t c = kCentred ? centred_quotient<Bits>(h[i]) : floor_quotient<Bits>(h[i]);
  h[i] -= c * (int64_t{1} << Bits);
  if (i < 9) {
    h[i + 1] += c;
  } else {
    h[0] += 19 * c;
  }
}
template <bool kCentred>
void carry_round(int64_t h[10]) {
  for (int i = 0; i < 10; i += 2) {
    carry_limb<26, kCentred>(h, i);
    carry_limb<25, kCentred>(h, i + 1);
  }
}

// Column sums back to centred limbs: after it |even limb| <= 2^25 and |odd limb| <= 2^24 + 2^16.
// The last step moves on into limb 1 what the top limb's carry added to limb 0.
Fe carried(int64_t h[10]) {
  carry_round<true>(h);
  carry_limb<26, true>(h, 0);
  Fe r;
  for (int i = 0; i < 10; ++i) r.limb[i] = int32_t(h[i]);
  return r;
}

// Limb products land in column (i + j) mod 10. Both offsets odd: their sum is one bit above the
// column's offset (25.5-bit steps round up twice), so the product counts double; i + j >= 10
// wraps past 2^255, which is 19 (mod p). In an even column i and j are both odd or both even, in
// an odd one never both odd: even columns take the left operand with its odd limbs doubled.
//
// Bounds (why 64-bit sums suffice): operands are at most three carried elements added or
// subtracted, |limb| <= 3 * 2^25, so 19 * limb fits 31 bits and every term is below 2^58; a column
// sums 10 terms with factors (1, 2, 19 or 38) whose total is at most 267: below 2^62.
Fe multiply(const int32_t x[10], const int32_t y[10]) {
  int32_t y19[10];
  int32_t x2[10];
  for (int i = 0; i < 10; ++i) {
    y19[i] = 19 * y[i];
    x2[i] = (i & 1) ? 2 * x[i] : x[i];
  }
  int64_t h[10];
  // Unrolled whole (GCC keeps the triangular loops otherwise): each term is one SMLAL on fixed
  // registers and offsets, about a third of the instructions of the loops.
#pragma GCC unroll 10
  for (int k = 0; k < 10; ++k) {
    const int32_t* left = (k & 1) ? x : x2;
    int64_t column = 0;
#pragma GCC unroll 10
    for (int i = 0; i <= k; ++i) column += int64_t{left[i]} * y[k - i];
#pragma GCC unroll 10
    for (int i = k + 1; i < 10; ++i) column += int64_t{left[i]} * y19[k + 10 - i];
    h[k] = column;
  }
  return carried(h);
}

// Subtracts p once if the value (limbs in [0, 2^width)) is at least p.
void subtract_p_if_above(int64_t a[10]) {
  int64_t m[10];
  int64_t borrow = 0;
  for (int i = 0; i < 10; ++i) {
    const int64_t radix = int64_t{1} << kWidth[i];
    const int64_t p_limb = i == 0 ? radix - 19 : radix - 1;
    m[i] = a[i] - p_limb - borrow;
    borrow = m[i] < 0 ? 1 : 0;
    m[i] += borrow * radix;
  }
  if (borrow == 0) memcpy(a, m, sizeof(m));
}

Fe square_times(Fe a, int times) {
  for (int i = 0; i < times; ++i) a = fe_square(a);
  return a;
}

// z^(2^250 - 1), and z^11 on the way: the shared start of the chains for p - 2 and (p - 5) / 8
// (254 squarings and 11 multiplications for the inverse instead of about 250 of each).
Fe pow_2_250_minus_1(const Fe& z, Fe* z11) {
  const Fe z2 = fe_square(z);
  const Fe z9 = fe_mul(square_times(z2, 2), z);
  *z11 = fe_mul(z9, z2);
  const Fe z_5 = fe_mul(fe_square(*z11), z9);  // z^(2^5 - 1)
  const Fe z_10 = fe_mul(square_times(z_5, 5), z_5);
  const Fe z_20 = fe_mul(square_times(z_10, 10), z_10);
  const Fe z_40 = fe_mul(square_times(z_20, 20), z_20);
  const Fe z_50 = fe_mul(square_times(z_40, 10), z_10);
  const Fe z_100 = fe_mul(square_times(z_50, 50), z_50);
  const Fe z_200 = fe_mul(square_times(z_100, 100), z_100);
  return fe_mul(square_times(z_200, 50), z_50);
}

}  // namespace

Fe fe_from_int(int32_t value) {
  Fe r = {};
  r.limb[0] = value;
  return r;
}

Fe fe_from_bytes(const uint8_t bytes[32]) {
  int64_t h[10];
  uint64_t bits = 0;  // bits read but not yet in a limb
  int have = 0;
  int next_byte = 0;
  for (int i = 0; i < 10; ++i) {
    while (have < kWidth[i]) {
      bits |= uint64_t{bytes[next_byte++]} << have;
      have += 8;
    }
    h[i] = int64_t(bits & ((uint64_t{1} << kWidth[i]) - 1));
    bits >>= kWidth[i];
    have -= kWidth[i];
  }
  // The top bit (bit 255) is what is left over: ignored. Centring gives the carried bounds.
  return carried(h);
}

void fe_to_bytes(uint8_t bytes[32], const Fe& a) {
  int64_t t[10];
  for (int i = 0; i < 10; ++i) t[i] = a.limb[i];
  // Three rounds of floor carries bring every limb into [0, 2^width) whatever the signs were
  // (the top carry, 19 per unit, shrinks each round); the value is then below 2^255 < 2p, so one
  // conditional subtraction makes it canonical.
  for (int round = 0; round < 3; ++round) carry_round<false>(t);
  subtract_p_if_above(t);
  uint64_t bits = 0;
  int have = 0;
  int next_byte = 0;
  for (int i = 0; i < 10; ++i) {
    bits |= uint64_t(t[i]) << have;
    have += kWidth[i];
    while (have >= 8) {
      bytes[next_byte++] = uint8_t(bits);
      bits >>= 8;
      have -= 8;
    }
  }
  bytes[31] = uint8_t(bits);  // the last 7 bits; bit 255 is 0
}

Fe fe_add(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 10; ++i) r.limb[i] = a.limb[i] + b.limb[i];
  return r;
}

Fe fe_sub(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 10; ++i) r.limb[i] = a.limb[i] - b.limb[i];
  return r;
}

Fe fe_carry(const Fe& a) {
  int64_t h[10];
  for (int i = 0; i < 10; ++i) h[i] = a.limb[i];
  return carried(h);
}

Fe fe_mul(const Fe& a, const Fe& b) { return multiply(a.limb, b.limb); }

Fe fe_square(const Fe& a) {
  // As multiply, but each cross product a_i a_j (i < j) is taken once and doubled: 55
  // multiply-accumulates instead of 100. Operands of up to two carried elements added keep
  // 2 * 2 * a_i and 19 a_j within 31 bits.
  const int32_t* x = a.limb;
  int32_t x19[10];
  int32_t twice[10];       // odd columns' cross products: 2 a_i
  int32_t twice_odd2[10];  // even columns': 2 a_i, doubled again for odd i
  int32_t odd2[10];        // even columns' squares a_i a_i: doubled for odd i
  for (int i = 0; i < 10; ++i) {
    x19[i] = 19 * x[i];
    twice[i] = 2 * x[i];
    odd2[i] = (i & 1) ? 2 * x[i] : x[i];
    twice_odd2[i] = 2 * odd2[i];
  }
  int64_t h[10];
#pragma GCC unroll 10
  for (int k = 0; k < 10; ++k) {
    const int32_t* cross = (k & 1) ? twice : twice_odd2;
    int64_t column = 0;
#pragma GCC unroll 10
    for (int i = 0; 2 * i < k; ++i) column += int64_t{cross[i]} * x[k - i];
#pragma GCC unroll 10
    for (int i = k + 1; 2 * i < k + 10; ++i) column += int64_t{cross[i]} * x19[k + 10 - i];
    if ((k & 1) == 0) {
      column += int64_t{odd2[k / 2]} * x[k / 2];
      column += int64_t{odd2[k / 2 + 5]} * x19[k / 2 + 5];
    }
    h[k] = column;
  }
  return carried(h);
}

Fe fe_invert(const Fe& a) {
  // p - 2 = 2^255 - 21 = (2^250 - 1) * 2^5 + 11
  Fe z11;
  return fe_mul(square_times(pow_2_250_minus_1(a, &z11), 5), z11);
}

Fe fe_pow_p58(const Fe& a) {
  // (p - 5) / 8 = 2^252 - 3 = (2^250 - 1) * 2^2 + 1
  Fe z11;
  return fe_mul(square_times(pow_2_250_minus_1(a, &z11), 2), a);
}

bool fe_equal(const Fe& a, const Fe& b) {
  uint8_t x[32];
  uint8_t y[32];
  fe_to_bytes(x, a);
  fe_to_bytes(y, b);
  return memcmp(x, y, 32) == 0;
}

bool fe_is_zero(const Fe& a) { return fe_equal(a, fe_from_int(0)); }

int fe_is_odd(const Fe& a) {
  uint8_t x[32];
  fe_to_bytes(x, a);
  return x[0] & 1;
}

bool fe_bytes_canonical(const uint8_t bytes[32]) {
  // p = 0x7fff...ffed: the number is >= p only if bytes 1..30 are 0xff, the top byte (without its
  // sign bit) is 0x7f and the lowest byte is 0xed or more.
  if ((bytes[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i >= 1; --i) {
    if (bytes[i] != 0xff) return true;
  }
  return bytes[0] < 0xed;
}

}  // namespace tinyforge::update
