// Ed25519 signature verification (RFC 8032 section 5.1.7, the cofactorless equation
// [S]B = R + [k]A checked on encodings): the device checks model packages signed on the host.
// S must be below the group order and R is compared as bytes with the canonical encoding of
// [S]B - [k]A, so non-canonical and malleable signatures are refused.
#ifndef TINYFORGE_UPDATE_ED25519_H_
#define TINYFORGE_UPDATE_ED25519_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/update/sha2.h"

namespace tinyforge::update {

constexpr size_t kEd25519PublicKeyBytes = 32;
constexpr size_t kEd25519SignatureBytes = 64;

// Verifies a message fed in pieces (a package read back from flash a page at a time).
class Ed25519Verifier {
 public:
  void start(const uint8_t signature[kEd25519SignatureBytes],
             const uint8_t public_key[kEd25519PublicKeyBytes]);
  void update(const void* data, size_t size) { hash_.update(data, size); }
  bool finish();

 private:
  Sha512 hash_;
  uint8_t signature_[kEd25519SignatureBytes] = {};
  uint8_t public_key_[kEd25519PublicKeyBytes] = {};
};

bool ed25519_verify(const uint8_t signature[kEd25519SignatureBytes],
                    const uint8_t public_key[kEd25519PublicKeyBytes], const void* message,
                    size_t size);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_ED25519_H_
