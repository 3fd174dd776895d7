// The device's side of model packages under hostile input: the header parser, the update agent's
// chunked receive and in-flash verification (seeded with a validly signed package, so mutations
// reach the model verifier and the self-test), and the agent's boot over arbitrary flash contents
// (torn state records, corrupt slots).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/support/flash_simulator.h"
#include "tinyforge/update/package.h"
#include "tinyforge/update/update_agent.h"

namespace {

using namespace tinyforge;

// The public key of tests/fuzz/package_seeds' signer (a throwaway key made for the seeds).
constexpr uint8_t kSeedKey[32] = {0x77, 0x41, 0xc8, 0xcf, 0xaa, 0x56, 0x4e, 0x79, 0xf7, 0x30, 0x53,
                                  0x83, 0x12, 0x55, 0x6f, 0xa9, 0x7d, 0x78, 0x42, 0xb1, 0xaa, 0xb2,
                                  0xe5, 0x5f, 0x3d, 0xc7, 0x42, 0xc6, 0x53, 0x54, 0x15, 0xc5};
constexpr size_t kPage = 256;
constexpr size_t kSlotPages = 64;
alignas(16) uint8_t g_flash[(2 + 2 * kSlotPages) * kPage];
alignas(16) uint8_t g_arena[32768];

update::AgentConfig config() {
  update::AgentConfig c;
  c.public_key = kSeedKey;
  c.board = "mps2-an386";
  c.arena = g_arena;
  c.arena_bytes = sizeof(g_arena);
  return c;
}

constexpr update::FlashLayout kLayout = {
    {0, kPage}, {2 * kPage, (2 + kSlotPages) * kPage}, kSlotPages* kPage};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= update::kPackageHeaderBytes) {
    update::PackageHeader header;
    update::parse_package_header(data, &header);
  }
  testing::FlashSimulator flash(g_flash, sizeof(g_flash), kPage);
  flash.erase_all();
  if (size > 0 && data[0] == 0xa5) {
    // Arbitrary flash: the input is the state pages and the start of the slots.
    const size_t n = size - 1 < sizeof(g_flash) ? size - 1 : sizeof(g_flash);
    memcpy(g_flash, data + 1, n);
    update::UpdateAgent agent(flash, kLayout, config());
    update::ActiveModel active;
    if (agent.boot(&active) == update::UpdateStatus::kOk) {
      Model model;
      model.load(active.model, active.model_bytes);
    }
    agent.report_failure();
    return 0;
  }
  // The input is a package, sent in chunks whose size its length picks.
  update::UpdateAgent agent(flash, kLayout, config());
  update::ActiveModel active;
  agent.boot(&active);
  agent.begin();
  const size_t chunk = 1 + size % 61;
  update::UpdateStatus status = update::UpdateStatus::kOk;
  for (size_t at = 0; status == update::UpdateStatus::kOk && at < size; at += chunk) {
    status = agent.receive(data + at, chunk < size - at ? chunk : size - at);
  }
  if (status == update::UpdateStatus::kOk && agent.finish() == update::UpdateStatus::kOk) {
    agent.boot(&active);
    agent.confirm();
  }
  return 0;
}
