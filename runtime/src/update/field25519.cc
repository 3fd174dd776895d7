#include "update/field25519.h"

#include <string.h>

namespace tinyforge::update {
namespace {

constexpr int64_t kRadix = 65536;

// Moves each limb's bits above 16 into the next limb; what leaves the top limb is worth
// 2^256 = 38 (mod p) and goes back into the bottom one. Limbs may be negative going in.
void carry(int64_t t[16]) {
  for (int i = 0; i < 16; ++i) {
    // floor division by 2^16 (also for negative limbs), written without shifting negatives
    const int64_t c = (t[i] >= 0 ? t[i] : t[i] - (kRadix - 1)) / kRadix;
    t[i] -= c * kRadix;
    if (i < 15) {
      t[i + 1] += c;
    } else {
      t[0] += 38 * c;
    }
  }
}

// Two rounds bring 64-bit column sums back to limbs below 2^17.
Fe carried(int64_t t[16]) {
  carry(t);
  carry(t);
  Fe r;
  for (int i = 0; i < 16; ++i) r.limb[i] = int32_t(t[i]);
  return r;
}

// Subtracts p once if the (carried, non-negative) value is at least p.
void subtract_p_if_above(int64_t a[16]) {
  int64_t m[16];
  int64_t borrow = 0;
  for (int i = 0; i < 16; ++i) {
    const int64_t p_limb = i == 0 ? 0xffed : i == 15 ? 0x7fff : 0xffff;
    m[i] = a[i] - p_limb - borrow;
    borrow = m[i] < 0 ? 1 : 0;
    m[i] += borrow * kRadix;
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
  Fe r;
  for (int i = 0; i < 16; ++i) r.limb[i] = bytes[2 * i] | (int32_t{bytes[2 * i + 1]} << 8);
  r.limb[15] &= 0x7fff;
  return r;
}

void fe_to_bytes(uint8_t bytes[32], const Fe& a) {
  int64_t t[16];
  for (int i = 0; i < 16; ++i) t[i] = a.limb[i];
  // Three rounds bring every limb into [0, 2^16) whatever the signs were; the value is then
  // below 2^256 < 3p, so two conditional subtractions make it canonical.
  carry(t);
  carry(t);
  carry(t);
  subtract_p_if_above(t);
  subtract_p_if_above(t);
  for (int i = 0; i < 16; ++i) {
    bytes[2 * i] = uint8_t(t[i]);
    bytes[2 * i + 1] = uint8_t(t[i] >> 8);
  }
}

Fe fe_add(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 16; ++i) r.limb[i] = a.limb[i] + b.limb[i];
  return r;
}

Fe fe_sub(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 16; ++i) r.limb[i] = a.limb[i] - b.limb[i];
  return r;
}

Fe fe_mul(const Fe& a, const Fe& b) {
  // Limbs entering a product are below 2^20 in magnitude (carried values and a few sums or
  // differences of them), so each product is one 32 x 32 -> 64-bit multiply-accumulate (SMLAL on
  // Cortex-M). Column k sums a_i b_j over i + j = k, plus 38 a_i b_j over i + j = k + 16
  // (2^256 = 38 mod p), into one accumulator: no 31-limb intermediate in memory.
  const int32_t* x = a.limb;
  const int32_t* y = b.limb;
  int32_t y38[16];
  for (int i = 0; i < 16; ++i) y38[i] = 38 * y[i];
  int64_t columns[16];
  for (int k = 0; k < 16; ++k) {
    int64_t column = 0;
    for (int i = 0; i <= k; ++i) column += int64_t{x[i]} * y[k - i];
    for (int i = k + 1; i < 16; ++i) column += int64_t{x[i]} * y38[k + 16 - i];
    columns[k] = column;
  }
  return carried(columns);
}

Fe fe_square(const Fe& a) {
  // As fe_mul, but each cross product a_i a_j (i < j) is taken once and doubled: 136
  // multiply-accumulates instead of 256.
  const int32_t* x = a.limb;
  int32_t x2[16];   // 2 a_i: the doubled cross products
  int32_t x76[16];  // 2 * 38 a_i: doubled cross products that wrap past 2^256
  for (int i = 0; i < 16; ++i) {
    x2[i] = 2 * x[i];
    x76[i] = 76 * x[i];
  }
  int64_t columns[16];
  for (int k = 0; k < 16; ++k) {
    int64_t column = 0;
    for (int i = 0; 2 * i < k; ++i) column += int64_t{x2[i]} * x[k - i];
    for (int i = k + 1; 2 * i < k + 16; ++i) column += int64_t{x76[i]} * x[k + 16 - i];
    if (k % 2 == 0) {
      column += int64_t{x[k / 2]} * x[k / 2];
      column += int64_t{38 * x[k / 2 + 8]} * x[k / 2 + 8];
    }
    columns[k] = column;
  }
  return carried(columns);
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
