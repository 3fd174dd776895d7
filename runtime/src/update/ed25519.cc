#include "tinyforge/update/ed25519.h"

#include <string.h>

#include "update/edwards25519.h"
#include "update/scalar25519.h"

namespace tinyforge::update {

void Ed25519Verifier::start(const uint8_t signature[kEd25519SignatureBytes],
                            const uint8_t public_key[kEd25519PublicKeyBytes]) {
  memcpy(signature_, signature, sizeof(signature_));
  memcpy(public_key_, public_key, sizeof(public_key_));
  // k = SHA-512(R || A || M)
  hash_.reset();
  hash_.update(signature_, 32);
  hash_.update(public_key_, sizeof(public_key_));
}

bool Ed25519Verifier::finish() {
  uint8_t digest[Sha512::kDigestBytes];
  hash_.finish(digest);
  const uint8_t* r_bytes = signature_;
  const uint8_t* s_bytes = signature_ + 32;
  Point a;
  if (!scalar_is_canonical(s_bytes) || !point_decode(a, public_key_)) return false;
  uint8_t k[32];
  scalar_reduce(k, digest);
  // [S]B + [k](-A) must be R.
  const Point r = point_base_and_scalar_mul(s_bytes, k, point_negate(a));
  uint8_t encoded[32];
  point_encode(encoded, r);
  return memcmp(encoded, r_bytes, 32) == 0;
}

bool ed25519_verify(const uint8_t signature[kEd25519SignatureBytes],
                    const uint8_t public_key[kEd25519PublicKeyBytes], const void* message,
                    size_t size) {
  Ed25519Verifier verifier;
  verifier.start(signature, public_key);
  verifier.update(message, size);
  return verifier.finish();
}

}  // namespace tinyforge::update
