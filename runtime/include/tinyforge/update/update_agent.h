// The device's update agent: two model slots and a small state record in flash (flash.h).
// A package streams into the inactive slot in chunks; finish() verifies it there (signature,
// payload hash, board, anti-rollback counter, the runtime's model verifier, the self-test) and
// switches by writing one state record. The new model runs on trial: the application confirms it
// after its first good run; a failed first run, or a boot without confirmation, rolls back to the
// previous slot. A power cut at any erase or write leaves the old or the new model complete.
// No heap: the caller provides the arena the self-test runs in.
#ifndef TINYFORGE_UPDATE_UPDATE_AGENT_H_
#define TINYFORGE_UPDATE_UPDATE_AGENT_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/interpreter.h"
#include "tinyforge/update/ed25519.h"
#include "tinyforge/update/flash.h"
#include "tinyforge/update/package.h"
#include "tinyforge/update/state_record.h"
#include "tinyforge/update/update_status.h"

namespace tinyforge::update {

struct AgentConfig {
  const uint8_t* public_key = nullptr;  // kEd25519PublicKeyBytes, built into the firmware
  const char* board = "";               // this board's id, as packages name it
  void* arena = nullptr;                // for the self-test (16-byte aligned)
  size_t arena_bytes = 0;
  PlanOptions plan;  // the kernels the device runs
};

// The model the device runs after boot().
struct ActiveModel {
  const uint8_t* model = nullptr;  // in flash, 16-byte aligned
  size_t model_bytes = 0;
  PackageHeader header;
  int slot = -1;
  bool on_trial = false;  // call confirm() after its first good run, or report_failure()
};

class UpdateAgent {
 public:
  UpdateAgent(Flash& flash, const FlashLayout& layout, const AgentConfig& config);

  // At every start: reads the state, advances or ends a trial (rolling back a model that was
  // booted once and never confirmed), checks the active slot's hash and says what to run.
  UpdateStatus boot(ActiveModel* active);
  // The running trial model worked: make it permanent and raise the anti-rollback counter.
  UpdateStatus confirm();
  // The running trial model failed its first run: switch back to the previous slot now.
  UpdateStatus report_failure();

  // Receiving a package: begin(), receive() any number of chunks of any size, finish().
  UpdateStatus begin();
  UpdateStatus receive(const void* data, size_t size);
  UpdateStatus finish();

  // The newest state (valid after boot()).
  uint32_t min_counter() const { return record_.min_counter; }
  const StateRecord& state() const { return record_; }

 private:
  UpdateStatus commit(const StateRecord& next);
  UpdateStatus roll_back();
  UpdateStatus program_word(uint32_t word);
  UpdateStatus verify_received(const PackageHeader& header) const;
  bool slot_intact(uint32_t slot, PackageHeader* header) const;
  const uint8_t* slot_memory(uint32_t slot) const {
    return flash_.memory() + layout_.slot_offset[slot];
  }
  UpdateStatus stop(UpdateStatus status) {
    receiving_ = false;
    return status;
  }

  Flash& flash_;
  FlashLayout layout_;
  AgentConfig config_;
  StateRecord record_;
  bool has_record_ = false;
  int record_page_ = 1;  // the next record goes to the other page: 0 at first

  // Receive state.
  bool receiving_ = false;
  uint32_t target_slot_ = 0;
  size_t received_ = 0;
  size_t erased_up_to_ = 0;  // bytes of the target slot erased so far
  uint32_t pending_word_ = 0;
  PackageHeader incoming_;
  bool header_seen_ = false;
};

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_UPDATE_AGENT_H_
