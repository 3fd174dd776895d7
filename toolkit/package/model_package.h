// Model packages on the host (docs/update.md): `tinyforge package` signs a .tflite model into a
// .tfpkg, `tinyforge verify` checks one as a device would (OpenSSL for the signature and hashes,
// the runtime for the model and its self-test).
#ifndef TINYFORGE_TOOLKIT_PACKAGE_MODEL_PACKAGE_H_
#define TINYFORGE_TOOLKIT_PACKAGE_MODEL_PACKAGE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/update/package.h"
#include "toolkit/package/ed25519_keys.h"

namespace tinyforge::host {

struct PackageOptions {
  std::filesystem::path model;                           // the .tflite
  std::filesystem::path private_key;                     // KEYDIR/private.pem
  std::string version;                                   // "MAJOR.MINOR.PATCH"
  uint32_t counter = 0;                                  // security counter (anti-rollback)
  std::string board;                                     // a board deploy knows, e.g. "mps2-an386"
  std::optional<std::filesystem::path> self_test_input;  // raw input bytes, all inputs in order
  std::optional<std::filesystem::path> metadata;         // extra training metadata (JSON object)
  std::filesystem::path output;
};

struct PackageSummary {
  std::filesystem::path output;
  update::PackageHeader header;
  std::string version;         // "1.4.0"
  std::string payload_sha256;  // hex
  size_t package_bytes = 0;
  size_t overhead_bytes = 0;  // package bytes minus model bytes
};

// The header's payload and signature in memory (built by make_package, written by
// create_package).
std::vector<uint8_t> make_package(const std::vector<uint8_t>& model, const std::string& model_label,
                                  const PackageOptions& options, const Ed25519Seed& key,
                                  PackageSummary* summary);
PackageSummary create_package(const PackageOptions& options);

struct VerifyResult {
  bool valid = false;
  update::UpdateStatus status = update::UpdateStatus::kOk;
  std::string reason;  // "ok" or why it was refused, with the detail
  std::optional<update::PackageHeader> header;
  nlohmann::json metadata;  // the training metadata inside, when the package parses
};

// Checks `package` (its bytes) with `key`: header, size, signature, payload hash, the model with
// the runtime's verifier, the self-test output. Never throws for a bad package.
VerifyResult verify_package_bytes(const std::vector<uint8_t>& package, const Ed25519PublicKey& key);
VerifyResult verify_package(const std::filesystem::path& package,
                            const std::filesystem::path& public_key);

std::string version_text(const update::PackageHeader& header);
// The verify/package JSON keys of DESIGN.md: version, counter, board (and the header's rest).
nlohmann::json header_json(const update::PackageHeader& header);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_PACKAGE_MODEL_PACKAGE_H_
