// Big-endian words as the SHA-2 family reads and writes them.
#ifndef TINYFORGE_UPDATE_BIG_ENDIAN_H_
#define TINYFORGE_UPDATE_BIG_ENDIAN_H_

#include <stdint.h>

namespace tinyforge::update {

inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t load_be64(const uint8_t* p) {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, uint32_t(v >> 32));
  store_be32(p + 4, uint32_t(v));
}

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_BIG_ENDIAN_H_
