#include "tinyforge/update/state_record.h"

#include <string.h>

#include "tinyforge/update/sha2.h"

namespace tinyforge::update {
namespace {

constexpr uint32_t kRecordMagic = 0x54534654;  // "TFST"

uint32_t load_le32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// The first four bytes of the SHA-256 of the other words: a torn write or erase cannot pass.
uint32_t checksum(const uint32_t words[kStateRecordWords - 1]) {
  uint8_t bytes[4 * (kStateRecordWords - 1)];
  for (size_t i = 0; i < kStateRecordWords - 1; ++i) {
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = uint8_t(words[i] >> (8 * b));
  }
  uint8_t digest[Sha256::kDigestBytes];
  sha256(bytes, sizeof(bytes), digest);
  return load_le32(digest);
}

void encode(const StateRecord& r, uint32_t words[kStateRecordWords]) {
  words[0] = kRecordMagic;
  words[1] = r.sequence;
  words[2] = r.active_slot;
  words[3] = static_cast<uint32_t>(r.trial);
  words[4] = r.min_counter;
  words[5] = r.active_counter;
  words[6] = r.previous_slot;
  words[7] = checksum(words);
}

bool decode(const uint8_t* bytes, StateRecord* r) {
  uint32_t words[kStateRecordWords];
  for (size_t i = 0; i < kStateRecordWords; ++i) words[i] = load_le32(bytes + 4 * i);
  if (words[0] != kRecordMagic || words[7] != checksum(words)) return false;
  const bool slot_ok = words[2] <= 1 || words[2] == kNoSlot;
  const bool previous_ok = words[6] <= 1 || words[6] == kNoSlot;
  if (!slot_ok || !previous_ok || words[3] > static_cast<uint32_t>(Trial::kBooted)) return false;
  r->sequence = words[1];
  r->active_slot = words[2];
  r->trial = static_cast<Trial>(words[3]);
  r->min_counter = words[4];
  r->active_counter = words[5];
  r->previous_slot = words[6];
  return true;
}

}  // namespace

bool read_newest_record(const Flash& flash, const FlashLayout& layout, StateRecord* record,
                        int* page_index) {
  bool found = false;
  for (int i = 0; i < 2; ++i) {
    StateRecord candidate;
    if (!decode(flash.memory() + layout.state_page[i], &candidate)) continue;
    // Sequence numbers are compared by their difference, so wrapping past 2^32 keeps the order.
    if (!found || int32_t(candidate.sequence - record->sequence) > 0) {
      *record = candidate;
      *page_index = i;
      found = true;
    }
  }
  return found;
}

bool write_record(Flash& flash, const FlashLayout& layout, int page_index,
                  const StateRecord& record) {
  const size_t base = layout.state_page[page_index];
  if (!flash.erase_page(base / flash.page_bytes())) return false;
  uint32_t words[kStateRecordWords];
  encode(record, words);
  for (size_t i = 0; i < kStateRecordWords; ++i) {
    if (!flash.write_word(base + 4 * i, words[i])) return false;
  }
  return true;
}

}  // namespace tinyforge::update
