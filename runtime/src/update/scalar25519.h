// Scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493.
#ifndef TINYFORGE_UPDATE_SCALAR25519_H_
#define TINYFORGE_UPDATE_SCALAR25519_H_

#include <stdint.h>

namespace tinyforge::update {

// Whether the 32-byte little-endian number is below L (RFC 8032 requires it of S).
bool scalar_is_canonical(const uint8_t s[32]);

// out = the 64-byte little-endian number `wide` (a SHA-512 digest) modulo L, 32 bytes.
void scalar_reduce(uint8_t out[32], const uint8_t wide[64]);

// The width-`width` non-adjacent form of a scalar below 2^255: 256 signed digits, least
// significant first, each zero or odd with magnitude below 2^(width-1), the scalar being
// sum digits[i] 2^i.
void scalar_naf(int8_t digits[256], const uint8_t scalar[32], int width);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_SCALAR25519_H_
