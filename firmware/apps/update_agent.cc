// The update agent on the board (tests/unit/update_qemu_test.cc runs it under QEMU): the same
// agent code as the host's tests, over the same flash simulator in RAM. Command line (semihosting):
//   KEY OLD NEW EVERY
// KEY: the raw 32-byte Ed25519 public key; OLD, NEW: packages for this board. It installs OLD
// streamed from the host in 256-byte chunks over semihosting (as a UART stream would bring it),
// then measures installing NEW (instruction windows, in order: receive + verify + switch, the
// Ed25519 verification alone, the boot that follows) and the stack the update used, then cuts
// power at every EVERY-th flash operation of update + trial boot + confirm and checks after each
// reset that the complete old or new model runs and the counter did not go back. Prints
//   TF_UPDATE operations=N stack_bytes=S agent_bytes=A
//   TF_RESULT cuts=C bricked=B mixed=M counter_back=K
// and exits 0 when B, M and K are 0.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hal/hal.h"
#include "tests/support/flash_simulator.h"
#include "tinyforge/update/update_agent.h"

namespace {

using namespace tinyforge;
using update::UpdateStatus;

constexpr size_t kPage = 1024;
constexpr size_t kSlotPages = 24;
constexpr size_t kFlashBytes = (2 + 2 * kSlotPages) * kPage;
alignas(16) uint8_t g_flash[kFlashBytes];
alignas(16) uint8_t g_shipped[kFlashBytes];  // the flash with OLD installed, restored per cut
alignas(16) uint8_t g_old[kSlotPages * kPage];
alignas(16) uint8_t g_new[kSlotPages * kPage];
alignas(16) uint8_t g_arena[16384];
uint8_t g_key[32];
char g_args[1024];

constexpr update::FlashLayout kLayout = {
    {0, kPage}, {2 * kPage, (2 + kSlotPages) * kPage}, kSlotPages* kPage};

int fail(const char* what) {
  hal_puts("TF_ERROR ");
  hal_puts(what);
  hal_puts("\n");
  return 1;
}

int32_t read_file(const char* path, void* data, size_t capacity) {
  const int handle = hal_open(path, HAL_READ_BINARY);
  if (handle < 0) return -1;
  const int32_t size = hal_file_length(handle);
  const bool ok =
      size >= 0 && size_t(size) <= capacity && hal_read(handle, data, size_t(size)) == 0;
  hal_close(handle);
  return ok ? size : -1;
}

update::AgentConfig config() {
  update::AgentConfig c;
  c.public_key = g_key;
  c.board = "mps2-an386";
  c.arena = g_arena;
  c.arena_bytes = sizeof(g_arena);
  return c;
}

UpdateStatus send(update::UpdateAgent& agent, const uint8_t* package, size_t size) {
  UpdateStatus s = agent.begin();
  for (size_t at = 0; s == UpdateStatus::kOk && at < size; at += 200) {
    s = agent.receive(package + at, size - at < 200 ? size - at : 200);
  }
  return s == UpdateStatus::kOk ? agent.finish() : s;
}

// Streams a package file from the host into the agent, a chunk at a time.
UpdateStatus send_file(update::UpdateAgent& agent, const char* path) {
  const int handle = hal_open(path, HAL_READ_BINARY);
  if (handle < 0) return UpdateStatus::kTruncated;
  int32_t left = hal_file_length(handle);
  UpdateStatus s = agent.begin();
  uint8_t chunk[256];
  while (s == UpdateStatus::kOk && left > 0) {
    const size_t n = left < int32_t(sizeof(chunk)) ? size_t(left) : sizeof(chunk);
    if (hal_read(handle, chunk, n) != 0) break;
    s = agent.receive(chunk, n);
    left -= int32_t(n);
  }
  hal_close(handle);
  return s == UpdateStatus::kOk ? agent.finish() : s;
}

// Update, trial boot and confirmation, stopping where the power goes.
void update_script(testing::FlashSimulator& flash, const uint8_t* package, size_t size) {
  update::UpdateAgent agent(flash, kLayout, config());
  update::ActiveModel active;
  if (agent.boot(&active) != UpdateStatus::kOk) return;
  if (send(agent, package, size) != UpdateStatus::kOk) return;
  if (agent.boot(&active) != UpdateStatus::kOk) return;
  agent.confirm();
}

bool same_model(const update::ActiveModel& active, const uint8_t* package) {
  update::PackageHeader h;
  return update::parse_package_header(package, &h) == UpdateStatus::kOk &&
         active.model_bytes == h.model_bytes &&
         memcmp(active.model, package + h.model_offset(), h.model_bytes) == 0;
}

uintptr_t stack_pointer() {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

// Fills `bytes` below the current stack pointer with a pattern; stack_used() finds how deep it
// was overwritten.
constexpr size_t kPainted = 24 * 1024;
constexpr uint32_t kPaint = 0xc5c5c5c5u;
uint32_t* painted_bottom() {
  return reinterpret_cast<uint32_t*>((stack_pointer() - 256 - kPainted) & ~uintptr_t(3));
}
__attribute__((noinline)) void paint_stack(uint32_t* bottom) {
  for (size_t i = 0; i < kPainted / 4; ++i) bottom[i] = kPaint;
}
size_t stack_used(const uint32_t* bottom, uintptr_t top) {
  size_t i = 0;
  while (i < kPainted / 4 && bottom[i] == kPaint) ++i;
  return top - reinterpret_cast<uintptr_t>(bottom + i);
}

char* next_word(char*& p) {
  while (*p == ' ') ++p;
  char* word = p;
  while (*p != '\0' && *p != ' ') ++p;
  if (*p == ' ') *p++ = '\0';
  return word;
}

}  // namespace

int main() {
  if (hal_command_line(g_args, sizeof(g_args)) != 0) return fail("no command line");
  char* p = g_args;
  const char* key_path = next_word(p);
  const char* old_path = next_word(p);
  const char* new_path = next_word(p);
  const char* every_text = next_word(p);
  uint32_t every = 0;
  for (const char* c = every_text; *c >= '0' && *c <= '9'; ++c)
    every = every * 10 + uint32_t(*c - '0');
  if (every == 0) return fail("usage: KEY OLD NEW EVERY");
  if (read_file(key_path, g_key, sizeof(g_key)) != 32) return fail("cannot read the 32-byte key");
  const int32_t old_size = read_file(old_path, g_old, sizeof(g_old));
  const int32_t new_size = read_file(new_path, g_new, sizeof(g_new));
  if (old_size <= 0 || new_size <= 0) return fail("cannot read the packages (or too large)");

  testing::FlashSimulator flash(g_flash, kFlashBytes, kPage);
  flash.erase_all();
  {
    update::UpdateAgent agent(flash, kLayout, config());
    update::ActiveModel active;
    agent.boot(&active);
    const UpdateStatus s = send_file(agent, old_path);
    if (s != UpdateStatus::kOk) return fail(update::update_status_reason(s));
    if (agent.boot(&active) != UpdateStatus::kOk || agent.confirm() != UpdateStatus::kOk) {
      return fail("installing OLD");
    }
  }
  memcpy(g_shipped, g_flash, kFlashBytes);

  // Measured: receive + verify + switch, the signature check alone, the boot after the switch.
  size_t stack_bytes = 0;
  {
    update::UpdateAgent agent(flash, kLayout, config());
    update::ActiveModel active;
    agent.boot(&active);
    uint32_t* bottom = painted_bottom();
    paint_stack(bottom);
    const uintptr_t top = stack_pointer();
    flash.reset_operations();
    hal_insn_begin();
    const UpdateStatus s = send(agent, g_new, size_t(new_size));
    hal_insn_end();
    stack_bytes = stack_used(bottom, top);
    if (s != UpdateStatus::kOk) return fail(update::update_status_reason(s));
    update::PackageHeader h;
    update::parse_package_header(g_new, &h);
    hal_insn_begin();
    const bool valid =
        update::ed25519_verify(g_new + h.signature_offset(), g_key, g_new, h.signature_offset());
    hal_insn_end();
    if (!valid) return fail("signature");
    hal_insn_begin();
    const UpdateStatus booted = agent.boot(&active);
    hal_insn_end();
    if (booted != UpdateStatus::kOk || !same_model(active, g_new)) return fail("boot after update");
  }

  // Count the script's flash operations, then cut at every EVERY-th.
  memcpy(g_flash, g_shipped, kFlashBytes);
  flash.reset_operations();
  update_script(flash, g_new, size_t(new_size));
  const long operations = flash.operations();
  hal_puts("TF_UPDATE operations=");
  hal_put_uint(uint32_t(operations));
  hal_puts(" stack_bytes=");
  hal_put_uint(uint32_t(stack_bytes));
  hal_puts(" agent_bytes=");
  hal_put_uint(uint32_t(sizeof(update::UpdateAgent)));
  hal_puts("\n");
  uint32_t cuts = 0, bricked = 0, mixed = 0, counter_back = 0;
  for (long cut = 0; cut < operations; cut += long(every)) {
    memcpy(g_flash, g_shipped, kFlashBytes);
    flash.restore_power();
    flash.reset_operations();
    flash.cut_power_at(cut);
    update_script(flash, g_new, size_t(new_size));
    flash.restore_power();
    update::UpdateAgent agent(flash, kLayout, config());
    update::ActiveModel active;
    ++cuts;
    if (agent.boot(&active) != UpdateStatus::kOk) {
      ++bricked;
      continue;
    }
    if (!same_model(active, g_old) && !same_model(active, g_new)) ++mixed;
    if (agent.min_counter() < 1) ++counter_back;
  }
  hal_puts("TF_RESULT cuts=");
  hal_put_uint(cuts);
  hal_puts(" bricked=");
  hal_put_uint(bricked);
  hal_puts(" mixed=");
  hal_put_uint(mixed);
  hal_puts(" counter_back=");
  hal_put_uint(counter_back);
  hal_puts("\n");
  return bricked + mixed + counter_back == 0 ? 0 : 1;
}
