// Points on the twisted Edwards curve of Ed25519 in extended coordinates (X : Y : Z : T) with
// x = X/Z, y = Y/Z, x*y = T/Z (RFC 8032 section 5.1.4).
#ifndef TINYFORGE_UPDATE_EDWARDS25519_H_
#define TINYFORGE_UPDATE_EDWARDS25519_H_

#include <stdint.h>

#include "update/field25519.h"

namespace tinyforge::update {

struct Point {
  Fe x, y, z, t;
};

// Decodes a 32-byte point encoding (RFC 8032 section 5.1.3). False for a y at or above p, an x
// that does not exist, or the encoding of x = 0 with the sign bit set.
bool point_decode(Point& out, const uint8_t bytes[32]);
// The canonical encoding.
void point_encode(uint8_t bytes[32], const Point& p);

Point point_add(const Point& a, const Point& b);
Point point_double(const Point& a);
Point point_negate(const Point& a);
Point point_base();

// [a]P + [b]Q for 256-bit little-endian scalars, one shared doubling chain (variable time).
Point point_double_scalar_mul(const uint8_t a[32], const Point& p, const uint8_t b[32],
                              const Point& q);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_EDWARDS25519_H_
