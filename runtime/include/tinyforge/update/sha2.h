// SHA-256 and SHA-512 (FIPS 180-4), fed in pieces of any size: a package is hashed while it
// streams into flash, and the signature check hashes it again from flash.
#ifndef TINYFORGE_UPDATE_SHA2_H_
#define TINYFORGE_UPDATE_SHA2_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge::update {

class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  Sha256() { reset(); }
  void reset();
  void update(const void* data, size_t size);
  void finish(uint8_t digest[kDigestBytes]);

 private:
  void compress(const uint8_t block[64]);
  uint32_t state_[8];
  uint8_t block_[64];
  size_t used_;
  uint64_t total_bytes_;
};

class Sha512 {
 public:
  static constexpr size_t kDigestBytes = 64;
  Sha512() { reset(); }
  void reset();
  void update(const void* data, size_t size);
  void finish(uint8_t digest[kDigestBytes]);

 private:
  void compress(const uint8_t block[128]);
  uint64_t state_[8];
  uint8_t block_[128];
  size_t used_;
  uint64_t total_bytes_;  // messages stay far below 2^64 bytes; the length's high half is zero
};

// One-shot helpers.
void sha256(const void* data, size_t size, uint8_t digest[Sha256::kDigestBytes]);
void sha512(const void* data, size_t size, uint8_t digest[Sha512::kDigestBytes]);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_SHA2_H_
