#include "toolkit/package/ed25519_keys.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "toolkit/host/error.h"

namespace tinyforge::host {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

KeyPtr private_key(const Ed25519Seed& seed) {
  KeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
             EVP_PKEY_free);
  if (!key) throw Error("ed25519: OpenSSL refused the private key");
  return key;
}

KeyPtr public_key(const Ed25519PublicKey& raw) {
  return KeyPtr(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()),
                EVP_PKEY_free);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, size_t(size));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read the key file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

KeyPtr read_pem(const std::filesystem::path& path, bool is_private) {
  const std::string text = read_text(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), int(text.size())), BIO_free);
  KeyPtr key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                        : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
             EVP_PKEY_free);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    throw Error(path.string() + ": expected an Ed25519 " +
                (is_private
                     ? "private key (PEM, PKCS#8, as `tinyforge keygen` writes)"
                     : "public key (PEM, SubjectPublicKeyInfo, as `tinyforge keygen` writes)"));
  }
  return key;
}

// Writes `text` to `path` with `mode`, failing if the file exists (O_EXCL).
void write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) throw Error(path.string() + ": cannot create the key file");
  const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(path);
    throw Error(path.string() + ": writing the key failed");
  }
}

}  // namespace

Ed25519Seed ed25519_generate() {
  Ed25519Seed seed;
  if (RAND_priv_bytes(seed.data(), int(seed.size())) != 1) {
    throw Error("ed25519: OpenSSL's random generator failed");
  }
  return seed;
}

Ed25519PublicKey ed25519_public_key(const Ed25519Seed& seed) {
  KeyPtr key = private_key(seed);
  Ed25519PublicKey raw;
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &size) != 1 || size != raw.size()) {
    throw Error("ed25519: OpenSSL could not derive the public key");
  }
  return raw;
}

Ed25519Signature ed25519_sign(const Ed25519Seed& seed, const void* message, size_t size) {
  KeyPtr key = private_key(seed);
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Ed25519Signature signature;
  size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length,
                     static_cast<const unsigned char*>(message), size) != 1 ||
      length != signature.size()) {
    throw Error("ed25519: OpenSSL signing failed");
  }
  return signature;
}

bool ed25519_openssl_verify(const Ed25519PublicKey& raw, const Ed25519Signature& signature,
                            const void* message, size_t size) {
  KeyPtr key = public_key(raw);
  if (!key) return false;  // not a point on the curve
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    throw Error("ed25519: OpenSSL verification could not start");
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                          static_cast<const unsigned char*>(message), size) == 1;
}

std::string ed25519_private_pem(const Ed25519Seed& seed) {
  KeyPtr key = private_key(seed);
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw Error("ed25519: OpenSSL could not write the private key");
  }
  return bio_text(bio.get());
}

std::string ed25519_public_pem(const Ed25519PublicKey& raw) {
  KeyPtr key = public_key(raw);
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!key || !bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    throw Error("ed25519: OpenSSL could not write the public key");
  }
  return bio_text(bio.get());
}

Ed25519Seed read_ed25519_private_pem(const std::filesystem::path& path) {
  KeyPtr key = read_pem(path, true);
  Ed25519Seed seed;
  size_t size = seed.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), seed.data(), &size) != 1 || size != seed.size()) {
    throw Error(path.string() + ": the Ed25519 private key could not be read");
  }
  return seed;
}

Ed25519PublicKey read_ed25519_public_pem(const std::filesystem::path& path) {
  KeyPtr key = read_pem(path, false);
  Ed25519PublicKey raw;
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &size) != 1 || size != raw.size()) {
    throw Error(path.string() + ": the Ed25519 public key could not be read");
  }
  return raw;
}

KeyPairFiles write_ed25519_key_pair(const std::filesystem::path& directory) {
  const KeyPairFiles files{directory / "private.pem", directory / "public.pem"};
  for (const auto& path : {files.private_key, files.public_key}) {
    if (std::filesystem::exists(path)) {
      throw Error(path.string() +
                  ": already exists; keygen never overwrites a key (choose "
                  "another -o directory or remove the old keys yourself)");
    }
  }
  std::filesystem::create_directories(directory);
  const Ed25519Seed seed = ed25519_generate();
  write_new_file(files.private_key, ed25519_private_pem(seed), 0600);
  try {
    write_new_file(files.public_key, ed25519_public_pem(ed25519_public_key(seed)), 0644);
  } catch (...) {
    std::filesystem::remove(files.private_key);
    throw;
  }
  return files;
}

}  // namespace tinyforge::host
