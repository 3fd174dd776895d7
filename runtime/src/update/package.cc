#include "tinyforge/update/package.h"

#include <string.h>

namespace tinyforge::update {
namespace {

constexpr uint8_t kMagic[8] = {'T', 'F', 'M', 'O', 'D', 'P', 'K', 'G'};

// Field offsets of the header (docs/update.md has the same table).
enum Offset : size_t {
  kMagicAt = 0,
  kFormatAt = 8,
  kHeaderBytesAt = 10,
  kVersionAt = 12,   // major, minor, patch: 3 x u16
  kReservedAt = 18,  // u16, zero
  kCounterAt = 20,
  kFlagsAt = 24,
  kBoardAt = 28,  // 32 bytes
  kModelBytesAt = 60,
  kSelfTestBytesAt = 64,
  kMetadataBytesAt = 68,
  kArenaBytesAt = 72,
  kReserved2At = 76,  // u32, zero
  kPayloadShaAt = 80,
  kSelfTestShaAt = 112,
};
static_assert(kSelfTestShaAt + 32 == kPackageHeaderBytes, "header layout");

uint32_t load_le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void store_le(uint8_t* p, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = uint8_t(v >> (8 * i));
}

}  // namespace

UpdateStatus parse_package_header(const uint8_t bytes[kPackageHeaderBytes], PackageHeader* out) {
  if (memcmp(bytes + kMagicAt, kMagic, sizeof(kMagic)) != 0) return UpdateStatus::kBadMagic;
  PackageHeader h;
  h.format_version = uint16_t(load_le(bytes + kFormatAt, 2));
  if (h.format_version != kPackageFormatVersion) return UpdateStatus::kUnsupportedFormat;
  if (load_le(bytes + kHeaderBytesAt, 2) != kPackageHeaderBytes ||
      load_le(bytes + kReservedAt, 2) != 0 || load_le(bytes + kReserved2At, 4) != 0) {
    return UpdateStatus::kMalformedHeader;
  }
  h.version_major = uint16_t(load_le(bytes + kVersionAt, 2));
  h.version_minor = uint16_t(load_le(bytes + kVersionAt + 2, 2));
  h.version_patch = uint16_t(load_le(bytes + kVersionAt + 4, 2));
  h.security_counter = load_le(bytes + kCounterAt, 4);
  h.flags = load_le(bytes + kFlagsAt, 4);
  if ((h.flags & ~kPackageFlagSelfTest) != 0) return UpdateStatus::kMalformedHeader;
  // The board id: printable ASCII, then only NUL padding, at least one character.
  size_t length = 0;
  while (length < kBoardIdBytes && bytes[kBoardAt + length] != 0) {
    const uint8_t c = bytes[kBoardAt + length];
    if (c < 0x21 || c > 0x7e) return UpdateStatus::kMalformedHeader;
    ++length;
  }
  if (length == 0) return UpdateStatus::kMalformedHeader;
  for (size_t i = length; i < kBoardIdBytes; ++i) {
    if (bytes[kBoardAt + i] != 0) return UpdateStatus::kMalformedHeader;
  }
  memcpy(h.board, bytes + kBoardAt, length);
  h.board[length] = '\0';
  h.model_bytes = load_le(bytes + kModelBytesAt, 4);
  h.self_test_input_bytes = load_le(bytes + kSelfTestBytesAt, 4);
  h.metadata_bytes = load_le(bytes + kMetadataBytesAt, 4);
  h.arena_bytes = load_le(bytes + kArenaBytesAt, 4);
  // Each part below the cap, so their sum cannot wrap.
  if (h.model_bytes == 0 || h.model_bytes > kMaxPayloadBytes ||
      h.self_test_input_bytes > kMaxPayloadBytes || h.metadata_bytes > kMaxPayloadBytes ||
      h.payload_bytes() > kMaxPayloadBytes) {
    return UpdateStatus::kMalformedHeader;
  }
  if (h.has_self_test() != (h.self_test_input_bytes > 0)) return UpdateStatus::kMalformedHeader;
  memcpy(h.payload_sha256, bytes + kPayloadShaAt, Sha256::kDigestBytes);
  memcpy(h.self_test_output_sha256, bytes + kSelfTestShaAt, Sha256::kDigestBytes);
  *out = h;
  return UpdateStatus::kOk;
}

void write_package_header(const PackageHeader& h, uint8_t bytes[kPackageHeaderBytes]) {
  memset(bytes, 0, kPackageHeaderBytes);
  memcpy(bytes + kMagicAt, kMagic, sizeof(kMagic));
  store_le(bytes + kFormatAt, h.format_version, 2);
  store_le(bytes + kHeaderBytesAt, kPackageHeaderBytes, 2);
  store_le(bytes + kVersionAt, h.version_major, 2);
  store_le(bytes + kVersionAt + 2, h.version_minor, 2);
  store_le(bytes + kVersionAt + 4, h.version_patch, 2);
  store_le(bytes + kCounterAt, h.security_counter, 4);
  store_le(bytes + kFlagsAt, h.flags, 4);
  for (size_t i = 0; i < kBoardIdBytes && h.board[i] != '\0'; ++i)
    bytes[kBoardAt + i] = uint8_t(h.board[i]);
  store_le(bytes + kModelBytesAt, h.model_bytes, 4);
  store_le(bytes + kSelfTestBytesAt, h.self_test_input_bytes, 4);
  store_le(bytes + kMetadataBytesAt, h.metadata_bytes, 4);
  store_le(bytes + kArenaBytesAt, h.arena_bytes, 4);
  memcpy(bytes + kPayloadShaAt, h.payload_sha256, Sha256::kDigestBytes);
  memcpy(bytes + kSelfTestShaAt, h.self_test_output_sha256, Sha256::kDigestBytes);
}

}  // namespace tinyforge::update
