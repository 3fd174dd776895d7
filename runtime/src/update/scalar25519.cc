#include "update/scalar25519.h"

namespace tinyforge::update {
namespace {

// L as eight little-endian 32-bit words.
constexpr uint32_t kOrder[8] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de,
                                0x00000000, 0x00000000, 0x00000000, 0x10000000};

bool below_order(const uint32_t v[8]) {
  for (int i = 7; i >= 0; --i) {
    if (v[i] != kOrder[i]) return v[i] < kOrder[i];
  }
  return false;
}

void load_words(uint32_t v[8], const uint8_t bytes[32]) {
  for (int i = 0; i < 8; ++i) {
    v[i] = bytes[4 * i] | (uint32_t{bytes[4 * i + 1]} << 8) | (uint32_t{bytes[4 * i + 2]} << 16) |
           (uint32_t{bytes[4 * i + 3]} << 24);
  }
}

}  // namespace

bool scalar_is_canonical(const uint8_t s[32]) {
  uint32_t v[8];
  load_words(v, s);
  return below_order(v);
}

void scalar_reduce(uint8_t out[32], const uint8_t wide[64]) {
  // Bit by bit from the top: r = 2r + bit, minus L when it reaches L. r stays below L < 2^253,
  // so 2r + 1 fits in 256 bits. 512 steps of shifts and one subtraction: small code, and the
  // cost is a small share of the verification's point arithmetic.
  uint32_t r[8] = {};
  for (int i = 511; i >= 0; --i) {
    for (int w = 7; w > 0; --w) r[w] = (r[w] << 1) | (r[w - 1] >> 31);
    r[0] = (r[0] << 1) | ((wide[i >> 3] >> (i & 7)) & 1);
    if (!below_order(r)) {
      uint64_t borrow = 0;
      for (int w = 0; w < 8; ++w) {
        const uint64_t diff = uint64_t{r[w]} - kOrder[w] - borrow;
        r[w] = uint32_t(diff);
        borrow = (diff >> 32) & 1;
      }
    }
  }
  for (int w = 0; w < 8; ++w) {
    for (int b = 0; b < 4; ++b) out[4 * w + b] = uint8_t(r[w] >> (8 * b));
  }
}

void scalar_naf(int8_t digits[256], const uint8_t scalar[32], int width) {
  uint32_t k[9] = {};  // one spare word: subtracting a negative digit can carry upwards
  for (int i = 0; i < 8; ++i) {
    k[i] = scalar[4 * i] | (uint32_t{scalar[4 * i + 1]} << 8) |
           (uint32_t{scalar[4 * i + 2]} << 16) | (uint32_t{scalar[4 * i + 3]} << 24);
  }
  const int32_t window = 1 << width;
  for (int i = 0; i < 256; ++i) {
    int32_t digit = 0;
    if (k[0] & 1) {
      digit = int32_t(k[0] & uint32_t(window - 1));
      if (digit >= window / 2) digit -= window;
      // k -= digit, which clears the low `width` bits.
      if (digit > 0) {
        uint64_t borrow = uint32_t(digit);
        for (int w = 0; w < 9 && borrow != 0; ++w) {
          const uint64_t diff = uint64_t{k[w]} - borrow;
          k[w] = uint32_t(diff);
          borrow = (diff >> 32) & 1;
        }
      } else {
        uint64_t carry = uint32_t(-digit);
        for (int w = 0; w < 9 && carry != 0; ++w) {
          const uint64_t sum = uint64_t{k[w]} + carry;
          k[w] = uint32_t(sum);
          carry = sum >> 32;
        }
      }
    }
    digits[i] = int8_t(digit);
    for (int w = 0; w < 8; ++w) k[w] = (k[w] >> 1) | (k[w + 1] << 31);
    k[8] >>= 1;
  }
}

}  // namespace tinyforge::update
