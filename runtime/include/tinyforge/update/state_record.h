// The agent's state record: which slot runs, whether it is on trial, and the anti-rollback
// counter. Two pages hold records written alternately with a growing sequence number and a
// checksum, so a power cut while writing one leaves the previous record in force.
#ifndef TINYFORGE_UPDATE_STATE_RECORD_H_
#define TINYFORGE_UPDATE_STATE_RECORD_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/update/flash.h"

namespace tinyforge::update {

constexpr uint32_t kNoSlot = 0xffffffffu;

enum class Trial : uint32_t {
  kConfirmed = 0,  // the active model ran and the application confirmed it
  kPending = 1,    // switched to, not booted yet
  kBooted = 2,     // booted once without confirmation: the next boot rolls back
};

struct StateRecord {
  uint32_t sequence = 0;
  uint32_t active_slot = kNoSlot;
  Trial trial = Trial::kConfirmed;
  uint32_t min_counter = 0;          // packages need a counter above it; rises only on confirmation
  uint32_t active_counter = 0;       // the running package's counter
  uint32_t previous_slot = kNoSlot;  // where a trial rolls back to
};

constexpr size_t kStateRecordWords = 8;

// The newest valid record of the two pages (false when neither holds one); `page_index` says
// which of layout.state_page it came from.
bool read_newest_record(const Flash& flash, const FlashLayout& layout, StateRecord* record,
                        int* page_index);
// Erases page `page_index` and writes `record` into it, checksum last. False on a flash failure.
bool write_record(Flash& flash, const FlashLayout& layout, int page_index,
                  const StateRecord& record);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_STATE_RECORD_H_
