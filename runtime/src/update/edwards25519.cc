#include "update/edwards25519.h"

namespace tinyforge::update {
namespace {

// d = -121665 / 121666 (mod p), and its double; little-endian encodings.
constexpr uint8_t kD[32] = {0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
                            0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
                            0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
// sqrt(-1) = 2^((p-1)/4) (mod p).
constexpr uint8_t kSqrtMinusOne[32] = {
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
// The base point B: y = 4/5 and the even x.
constexpr uint8_t kBaseX[32] = {0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25,
                                0x95, 0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2,
                                0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21};
constexpr uint8_t kBaseY[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

int bit(const uint8_t scalar[32], int i) { return (scalar[i >> 3] >> (i & 7)) & 1; }

Point identity() { return {fe_from_int(0), fe_from_int(1), fe_from_int(1), fe_from_int(0)}; }

}  // namespace

Point point_base() {
  Point b;
  b.x = fe_from_bytes(kBaseX);
  b.y = fe_from_bytes(kBaseY);
  b.z = fe_from_int(1);
  b.t = fe_mul(b.x, b.y);
  return b;
}

bool point_decode(Point& out, const uint8_t bytes[32]) {
  if (!fe_bytes_canonical(bytes)) return false;
  const int x_sign = bytes[31] >> 7;
  const Fe y = fe_from_bytes(bytes);
  const Fe one = fe_from_int(1);
  const Fe y2 = fe_square(y);
  const Fe u = fe_sub(y2, one);
  const Fe v = fe_add(fe_mul(fe_from_bytes(kD), y2), one);
  // x = u v^3 (u v^7)^((p-5)/8) is a square root of u/v, or of -u/v (then times sqrt(-1)).
  const Fe v3 = fe_mul(fe_square(v), v);
  const Fe v7 = fe_mul(fe_square(v3), v);
  Fe x = fe_mul(fe_mul(u, v3), fe_pow_p58(fe_mul(u, v7)));
  const Fe vx2 = fe_mul(v, fe_square(x));
  if (!fe_equal(vx2, u)) {
    if (!fe_equal(vx2, fe_sub(fe_from_int(0), u))) return false;
    x = fe_mul(x, fe_from_bytes(kSqrtMinusOne));
  }
  if (fe_is_zero(x) && x_sign == 1) return false;
  if (fe_is_odd(x) != x_sign) x = fe_sub(fe_from_int(0), x);
  out.x = x;
  out.y = y;
  out.z = one;
  out.t = fe_mul(x, y);
  return true;
}

void point_encode(uint8_t bytes[32], const Point& p) {
  const Fe z_inverse = fe_invert(p.z);
  const Fe x = fe_mul(p.x, z_inverse);
  fe_to_bytes(bytes, fe_mul(p.y, z_inverse));
  bytes[31] |= uint8_t(fe_is_odd(x) << 7);
}

Point point_add(const Point& p, const Point& q) {
  const Fe a = fe_mul(fe_sub(p.y, p.x), fe_sub(q.y, q.x));
  const Fe b = fe_mul(fe_add(p.y, p.x), fe_add(q.y, q.x));
  const Fe d = fe_from_bytes(kD);
  const Fe c = fe_mul(fe_mul(p.t, fe_add(d, d)), q.t);
  const Fe zz = fe_mul(p.z, q.z);
  const Fe dd = fe_add(zz, zz);
  const Fe e = fe_sub(b, a);
  const Fe f = fe_sub(dd, c);
  const Fe g = fe_add(dd, c);
  const Fe h = fe_add(b, a);
  return {fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

Point point_double(const Point& p) {
  const Fe a = fe_square(p.x);
  const Fe b = fe_square(p.y);
  const Fe zz = fe_square(p.z);
  const Fe c = fe_add(zz, zz);
  const Fe h = fe_add(a, b);
  const Fe e = fe_sub(h, fe_square(fe_add(p.x, p.y)));
  const Fe g = fe_sub(a, b);
  const Fe f = fe_add(c, g);
  return {fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

Point point_negate(const Point& p) {
  const Fe zero = fe_from_int(0);
  return {fe_sub(zero, p.x), p.y, p.z, fe_sub(zero, p.t)};
}

Point point_double_scalar_mul(const uint8_t a[32], const Point& p, const uint8_t b[32],
                              const Point& q) {
  const Point both = point_add(p, q);
  Point r = identity();
  for (int i = 255; i >= 0; --i) {
    r = point_double(r);
    const int choice = bit(a, i) | (bit(b, i) << 1);
    if (choice == 1) r = point_add(r, p);
    if (choice == 2) r = point_add(r, q);
    if (choice == 3) r = point_add(r, both);
  }
  return r;
}

}  // namespace tinyforge::update
