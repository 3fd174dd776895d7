#include "tinyforge/update/update_agent.h"

#include <string.h>

#include "tinyforge/update/self_test.h"

namespace tinyforge::update {

UpdateAgent::UpdateAgent(Flash& flash, const FlashLayout& layout, const AgentConfig& config)
    : flash_(flash), layout_(layout), config_(config) {}

UpdateStatus UpdateAgent::commit(const StateRecord& next) {
  StateRecord r = next;
  r.sequence = record_.sequence + 1;
  const int page = 1 - record_page_;
  if (!write_record(flash_, layout_, page, r)) return UpdateStatus::kFlashError;
  record_ = r;
  record_page_ = page;
  has_record_ = true;
  return UpdateStatus::kOk;
}

bool UpdateAgent::slot_intact(uint32_t slot, PackageHeader* header) const {
  if (slot > 1) return false;
  const uint8_t* base = slot_memory(slot);
  if (parse_package_header(base, header) != UpdateStatus::kOk ||
      header->package_bytes() > layout_.slot_bytes) {
    return false;
  }
  uint8_t digest[Sha256::kDigestBytes];
  sha256(base + kPackageHeaderBytes, header->payload_bytes(), digest);
  return memcmp(digest, header->payload_sha256, sizeof(digest)) == 0;
}

UpdateStatus UpdateAgent::roll_back() {
  StateRecord next = record_;
  PackageHeader previous;
  if (slot_intact(record_.previous_slot, &previous)) {
    next.active_slot = record_.previous_slot;
    next.active_counter = previous.security_counter;
  } else {
    next.active_slot = kNoSlot;  // a first install that failed: nothing to go back to
  }
  next.previous_slot = kNoSlot;
  next.trial = Trial::kConfirmed;
  return commit(next);
}

UpdateStatus UpdateAgent::boot(ActiveModel* active) {
  receiving_ = false;
  has_record_ = read_newest_record(flash_, layout_, &record_, &record_page_);
  if (!has_record_) {
    record_ = StateRecord();
    record_page_ = 1;
    return UpdateStatus::kNoModel;
  }
  UpdateStatus status = UpdateStatus::kOk;
  if (record_.trial == Trial::kPending) {
    StateRecord next = record_;
    next.trial = Trial::kBooted;
    status = commit(next);
  } else if (record_.trial == Trial::kBooted) {
    status = roll_back();  // booted once on trial and never confirmed
  }
  if (status != UpdateStatus::kOk) return status;
  PackageHeader header;
  if (!slot_intact(record_.active_slot, &header)) return UpdateStatus::kNoModel;
  active->model = slot_memory(record_.active_slot) + header.model_offset();
  active->model_bytes = header.model_bytes;
  active->header = header;
  active->slot = int(record_.active_slot);
  active->on_trial = record_.trial != Trial::kConfirmed;
  return UpdateStatus::kOk;
}

UpdateStatus UpdateAgent::confirm() {
  if (!has_record_ || record_.trial == Trial::kConfirmed) return UpdateStatus::kOk;
  StateRecord next = record_;
  next.trial = Trial::kConfirmed;
  if (next.active_counter > next.min_counter) next.min_counter = next.active_counter;
  return commit(next);
}

UpdateStatus UpdateAgent::report_failure() {
  if (!has_record_ || record_.trial == Trial::kConfirmed) return UpdateStatus::kOk;
  return roll_back();
}

UpdateStatus UpdateAgent::begin() {
  if (has_record_ && record_.trial != Trial::kConfirmed) return UpdateStatus::kTrialPending;
  receiving_ = true;
  target_slot_ = has_record_ && record_.active_slot == 0 ? 1 : 0;
  received_ = 0;
  erased_up_to_ = 0;
  pending_word_ = 0;
  header_seen_ = false;
  return UpdateStatus::kOk;
}

UpdateStatus UpdateAgent::program_word(uint32_t word) {
  const size_t offset = received_ - 4;
  const size_t page = flash_.page_bytes();
  // Pages are erased as the package reaches them, so a small package erases little.
  if (offset >= erased_up_to_) {
    if (!flash_.erase_page((layout_.slot_offset[target_slot_] + erased_up_to_) / page)) {
      return UpdateStatus::kFlashError;
    }
    erased_up_to_ += page;
  }
  if (!flash_.write_word(layout_.slot_offset[target_slot_] + offset, word)) {
    return UpdateStatus::kFlashError;
  }
  return UpdateStatus::kOk;
}

UpdateStatus UpdateAgent::receive(const void* data, size_t size) {
  if (!receiving_) return UpdateStatus::kNotReceiving;
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    if (received_ >= layout_.slot_bytes) return stop(UpdateStatus::kTooLarge);
    if (header_seen_ && received_ >= incoming_.package_bytes()) return stop(UpdateStatus::kTooLong);
    pending_word_ |= uint32_t{bytes[i]} << (8 * (received_ % 4));
    ++received_;
    if (received_ % 4 != 0) continue;
    const UpdateStatus written = program_word(pending_word_);
    if (written != UpdateStatus::kOk) return stop(written);
    pending_word_ = 0;
    if (received_ == kPackageHeaderBytes) {
      // Refuse early what can never fit, before writing the rest.
      const UpdateStatus parsed = parse_package_header(slot_memory(target_slot_), &incoming_);
      if (parsed != UpdateStatus::kOk) return stop(parsed);
      if (incoming_.package_bytes() > layout_.slot_bytes) return stop(UpdateStatus::kTooLarge);
      header_seen_ = true;
    }
  }
  return UpdateStatus::kOk;
}

UpdateStatus UpdateAgent::verify_received(const PackageHeader& h) const {
  const uint8_t* base = slot_memory(target_slot_);
  Ed25519Verifier signature;
  signature.start(base + h.signature_offset(), config_.public_key);
  signature.update(base, h.signature_offset());
  if (!signature.finish()) return UpdateStatus::kBadSignature;
  uint8_t digest[Sha256::kDigestBytes];
  sha256(base + kPackageHeaderBytes, h.payload_bytes(), digest);
  if (memcmp(digest, h.payload_sha256, sizeof(digest)) != 0) return UpdateStatus::kHashMismatch;
  if (strncmp(h.board, config_.board, kBoardIdBytes) != 0) return UpdateStatus::kWrongBoard;
  if (has_record_ && record_.active_slot != kNoSlot) {
    if (h.security_counter < record_.min_counter) return UpdateStatus::kDowngrade;
    if (h.security_counter == record_.min_counter) return UpdateStatus::kReplay;
  }
  if (h.arena_bytes > config_.arena_bytes) return UpdateStatus::kArenaTooSmall;
  Model model;
  if (model.load(base + h.model_offset(), h.model_bytes) != Status::kOk) {
    return UpdateStatus::kMalformedModel;
  }
  if (h.has_self_test()) {
    const UpdateStatus ran =
        run_self_test(model, config_.arena, config_.arena_bytes, base + h.self_test_input_offset(),
                      h.self_test_input_bytes, digest, config_.plan);
    if (ran != UpdateStatus::kOk) return ran;
    if (memcmp(digest, h.self_test_output_sha256, sizeof(digest)) != 0) {
      return UpdateStatus::kSelfTestFailed;
    }
  }
  return UpdateStatus::kOk;
}

UpdateStatus UpdateAgent::finish() {
  if (!receiving_) return UpdateStatus::kNotReceiving;
  if (received_ % 4 != 0) {
    // The last partial word, padded with erased bytes.
    const size_t used = received_ % 4;
    const uint32_t pad = 0xffffffffu << (8 * used);
    received_ += 4 - used;
    const UpdateStatus written = program_word(pending_word_ | pad);
    received_ -= 4 - used;
    if (written != UpdateStatus::kOk) return stop(written);
  }
  if (!header_seen_ || received_ < incoming_.package_bytes()) return stop(UpdateStatus::kTruncated);
  receiving_ = false;
  const UpdateStatus verified = verify_received(incoming_);
  if (verified != UpdateStatus::kOk) return verified;
  StateRecord next = record_;
  next.previous_slot = has_record_ ? record_.active_slot : kNoSlot;
  next.active_slot = target_slot_;
  next.active_counter = incoming_.security_counter;
  next.trial = Trial::kPending;
  return commit(next);
}

}  // namespace tinyforge::update
