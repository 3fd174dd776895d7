// Arithmetic modulo p = 2^255 - 19 for Ed25519 (RFC 8032 section 5.1). An element is 10 signed
// 32-bit limbs at 25.5-bit steps (26 and 25 bits, alternately): a product of two elements is 100
// 32 x 32 -> 64-bit multiply-accumulates (SMLAL on Cortex-M), a square 55. Products and squares
// return carried limbs (|limb| <= 2^25); fe_add and fe_sub do not carry, and a product takes
// operands of up to three carried elements added or subtracted (a square two): a longer sum goes
// through fe_carry first.
// Variable time: the device only verifies signatures, every input is public.
#ifndef TINYFORGE_UPDATE_FIELD25519_H_
#define TINYFORGE_UPDATE_FIELD25519_H_

#include <stdint.h>

namespace tinyforge::update {

struct Fe {
  int32_t limb[10];
};

Fe fe_from_int(int32_t value);  // 0 <= value < 2^16
// Little-endian 32 bytes, the top bit ignored (it carries a point's sign).
Fe fe_from_bytes(const uint8_t bytes[32]);
// The canonical little-endian encoding (fully reduced below p).
void fe_to_bytes(uint8_t bytes[32], const Fe& a);

Fe fe_add(const Fe& a, const Fe& b);
Fe fe_sub(const Fe& a, const Fe& b);
Fe fe_carry(const Fe& a);  // the same element with carried limbs
Fe fe_mul(const Fe& a, const Fe& b);
Fe fe_square(const Fe& a);
Fe fe_invert(const Fe& a);   // a^(p-2); 0 maps to 0
Fe fe_pow_p58(const Fe& a);  // a^((p-5)/8), for square roots
bool fe_equal(const Fe& a, const Fe& b);
bool fe_is_zero(const Fe& a);
int fe_is_odd(const Fe& a);  // the low bit of the canonical form: the "sign" of x

// Whether the 255-bit little-endian number in `bytes` (top bit ignored) is below p.
bool fe_bytes_canonical(const uint8_t bytes[32]);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_FIELD25519_H_
