#include "update/field25519.h"

#include <string.h>

namespace tinyforge::update {
namespace {

constexpr int64_t kRadix = 65536;

// Moves each limb's bits above 16 into the next limb; what leaves the top limb is worth
// 2^256 = 38 (mod p) and goes back into the bottom one. Limbs may be negative going in.
void carry(Fe& a) {
  for (int i = 0; i < 16; ++i) {
    // floor division by 2^16 (also for negative limbs), written without shifting negatives
    const int64_t c = (a.limb[i] >= 0 ? a.limb[i] : a.limb[i] - (kRadix - 1)) / kRadix;
    a.limb[i] -= c * kRadix;
    if (i < 15) {
      a.limb[i + 1] += c;
    } else {
      a.limb[0] += 38 * c;
    }
  }
}

// Subtracts p once if the (carried, non-negative) value is at least p.
void subtract_p_if_above(Fe& a) {
  Fe m;
  int64_t borrow = 0;
  for (int i = 0; i < 16; ++i) {
    const int64_t p_limb = i == 0 ? 0xffed : i == 15 ? 0x7fff : 0xffff;
    m.limb[i] = a.limb[i] - p_limb - borrow;
    borrow = m.limb[i] < 0 ? 1 : 0;
    m.limb[i] += borrow * kRadix;
  }
  if (borrow == 0) a = m;
}

// a^e for the exponents (p-2) and (p-5)/8: `top_bit` down to 0 all ones except `zero_bits`.
Fe power_of_mostly_ones(const Fe& a, int top_bit, uint32_t zero_bits) {
  Fe r = a;
  for (int i = top_bit - 1; i >= 0; --i) {
    r = fe_square(r);
    if (i >= 32 || ((zero_bits >> i) & 1) == 0) r = fe_mul(r, a);
  }
  return r;
}

}  // namespace

Fe fe_from_int(int64_t value) {
  Fe r = {};
  r.limb[0] = value;
  return r;
}

Fe fe_from_bytes(const uint8_t bytes[32]) {
  Fe r;
  for (int i = 0; i < 16; ++i) r.limb[i] = bytes[2 * i] | (int64_t{bytes[2 * i + 1]} << 8);
  r.limb[15] &= 0x7fff;
  return r;
}

void fe_to_bytes(uint8_t bytes[32], const Fe& a) {
  Fe t = a;
  // Three rounds bring every limb into [0, 2^16) whatever the signs were; the value is then
  // below 2^256 < 3p, so two conditional subtractions make it canonical.
  carry(t);
  carry(t);
  carry(t);
  subtract_p_if_above(t);
  subtract_p_if_above(t);
  for (int i = 0; i < 16; ++i) {
    bytes[2 * i] = uint8_t(t.limb[i]);
    bytes[2 * i + 1] = uint8_t(t.limb[i] >> 8);
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
  int32_t x[16];
  int32_t y[16];
  int32_t y38[16];
  for (int i = 0; i < 16; ++i) {
    x[i] = int32_t(a.limb[i]);
    y[i] = int32_t(b.limb[i]);
    y38[i] = 38 * y[i];
  }
  Fe r;
  for (int k = 0; k < 16; ++k) {
    int64_t column = 0;
    for (int i = 0; i <= k; ++i) column += int64_t{x[i]} * y[k - i];
    for (int i = k + 1; i < 16; ++i) column += int64_t{x[i]} * y38[k + 16 - i];
    r.limb[k] = column;
  }
  carry(r);
  carry(r);
  return r;
}

Fe fe_invert(const Fe& a) {
  // p - 2 = 2^255 - 21: bits 254..0 are ones except bits 2 and 4.
  return power_of_mostly_ones(a, 254, (1u << 2) | (1u << 4));
}

Fe fe_pow_p58(const Fe& a) {
  // (p - 5) / 8 = 2^252 - 3: bits 251..0 are ones except bit 1.
  return power_of_mostly_ones(a, 251, 1u << 1);
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
