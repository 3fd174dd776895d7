// A signed model package (.tfpkg): a fixed little-endian header, the payload (the .tflite model,
// the optional self-test input, the training metadata as JSON) and an Ed25519 signature over
// header and payload. docs/update.md describes every field. The host writes the header with the
// same code the device reads it with.
#ifndef TINYFORGE_UPDATE_PACKAGE_H_
#define TINYFORGE_UPDATE_PACKAGE_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/update/ed25519.h"
#include "tinyforge/update/update_status.h"

namespace tinyforge::update {

constexpr uint16_t kPackageFormatVersion = 1;
constexpr size_t kPackageHeaderBytes = 144;  // a multiple of 16: the model after it stays aligned
constexpr size_t kBoardIdBytes = 32;         // NUL-padded ASCII, e.g. "mps2-an386"
constexpr uint32_t kPackageFlagSelfTest = 1;
// Payloads are capped well inside 32 bits so offsets and sums never overflow on the device.
constexpr uint32_t kMaxPayloadBytes = 0x40000000u;

struct PackageHeader {
  uint16_t format_version = kPackageFormatVersion;
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  uint16_t version_patch = 0;
  uint32_t security_counter = 0;
  uint32_t flags = 0;
  char board[kBoardIdBytes + 1] = {};  // always NUL-terminated
  uint32_t model_bytes = 0;
  uint32_t self_test_input_bytes = 0;
  uint32_t metadata_bytes = 0;
  uint32_t arena_bytes = 0;  // what the model needs on the board named (the planner's figure)
  uint8_t payload_sha256[Sha256::kDigestBytes] = {};
  uint8_t self_test_output_sha256[Sha256::kDigestBytes] = {};  // over all outputs, in order

  uint32_t payload_bytes() const { return model_bytes + self_test_input_bytes + metadata_bytes; }
  // Offsets from the package's start.
  uint32_t model_offset() const { return kPackageHeaderBytes; }
  uint32_t self_test_input_offset() const { return kPackageHeaderBytes + model_bytes; }
  uint32_t metadata_offset() const { return self_test_input_offset() + self_test_input_bytes; }
  uint32_t signature_offset() const { return kPackageHeaderBytes + payload_bytes(); }
  uint32_t package_bytes() const { return signature_offset() + uint32_t(kEd25519SignatureBytes); }
  bool has_self_test() const { return (flags & kPackageFlagSelfTest) != 0; }
};

// Reads and checks the header's own consistency (magic, format, reserved fields, board text,
// sizes). Not the signature, the hash or anything about this device.
UpdateStatus parse_package_header(const uint8_t bytes[kPackageHeaderBytes], PackageHeader* out);
void write_package_header(const PackageHeader& header, uint8_t bytes[kPackageHeaderBytes]);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_PACKAGE_H_
