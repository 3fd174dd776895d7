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

Point point_double(const Point& a);
Point point_negate(const Point& a);

// A point prepared for additions: Y + X, Y - X, Z, 2dT; `affine` when Z = 1.
struct CachedPoint {
  Fe y_plus_x, y_minus_x, z, t2d;
  bool affine;
};
CachedPoint point_cache(const Point& p);
// p + q, or p - q when `subtract`.
Point point_add_cached(const Point& p, const CachedPoint& q, bool subtract);

// [s]B + [k]A for little-endian scalars below 2^255 (variable time).
Point point_base_and_scalar_mul(const uint8_t s[32], const uint8_t k[32], const Point& a);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_EDWARDS25519_H_
