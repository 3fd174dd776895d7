// Splits a byte stream into a hash's fixed-size blocks, buffering the partial block between calls
// (shared by SHA-256's 64-byte and SHA-512's 128-byte blocks).
#ifndef TINYFORGE_UPDATE_BLOCK_FEED_H_
#define TINYFORGE_UPDATE_BLOCK_FEED_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace tinyforge::update {

template <size_t kBlockBytes, typename Compress>
void feed_blocks(uint8_t (&block)[kBlockBytes], size_t& used, const void* data, size_t size,
                 Compress compress) {
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    if (used == 0 && size >= kBlockBytes) {
      compress(bytes);
      bytes += kBlockBytes;
      size -= kBlockBytes;
      continue;
    }
    const size_t take = size < kBlockBytes - used ? size : kBlockBytes - used;
    memcpy(block + used, bytes, take);
    used += take;
    bytes += take;
    size -= take;
    if (used == kBlockBytes) {
      compress(block);
      used = 0;
    }
  }
}

// Appends the 0x80 byte, zeros up to the length field, and the big-endian bit length
// (`length_bytes` long: 8 for SHA-256, 16 for SHA-512; the high bytes stay zero).
template <size_t kBlockBytes, typename Compress>
void pad_blocks(uint8_t (&block)[kBlockBytes], size_t& used, uint64_t total_bytes,
                size_t length_bytes, Compress compress) {
  block[used++] = 0x80;
  if (used > kBlockBytes - length_bytes) {
    memset(block + used, 0, kBlockBytes - used);
    compress(block);
    used = 0;
  }
  memset(block + used, 0, kBlockBytes - used);
  const uint64_t bits = total_bytes * 8;
  for (int i = 0; i < 8; ++i) block[kBlockBytes - 1 - i] = uint8_t(bits >> (8 * i));
  compress(block);
  used = 0;
}

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_BLOCK_FEED_H_
