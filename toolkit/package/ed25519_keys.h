// Ed25519 on the host through OpenSSL's libcrypto: key pairs as PEM files (PKCS#8 private key,
// SubjectPublicKeyInfo public key), signing and verifying raw bytes.
#ifndef TINYFORGE_TOOLKIT_PACKAGE_ED25519_KEYS_H_
#define TINYFORGE_TOOLKIT_PACKAGE_ED25519_KEYS_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::host {

using Ed25519Seed = std::array<uint8_t, 32>;
using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;

// A fresh random private key (32-byte seed) from OpenSSL's generator.
Ed25519Seed ed25519_generate();
Ed25519PublicKey ed25519_public_key(const Ed25519Seed& seed);
Ed25519Signature ed25519_sign(const Ed25519Seed& seed, const void* message, size_t size);
bool ed25519_openssl_verify(const Ed25519PublicKey& key, const Ed25519Signature& signature,
                            const void* message, size_t size);

// PEM text of the private key (PKCS#8) and of the public key (SubjectPublicKeyInfo).
std::string ed25519_private_pem(const Ed25519Seed& seed);
std::string ed25519_public_pem(const Ed25519PublicKey& key);
// Read a PEM file; the error names the file and says what it expected.
Ed25519Seed read_ed25519_private_pem(const std::filesystem::path& path);
Ed25519PublicKey read_ed25519_public_pem(const std::filesystem::path& path);

// Writes KEYDIR/private.pem (mode 0600) and KEYDIR/public.pem; refuses if either exists.
struct KeyPairFiles {
  std::filesystem::path private_key;
  std::filesystem::path public_key;
};
KeyPairFiles write_ed25519_key_pair(const std::filesystem::path& directory);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_PACKAGE_ED25519_KEYS_H_
