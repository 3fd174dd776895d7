// Links the whole runtime API into a bare-metal Cortex-M image to prove it needs no heap, no
// exceptions and no RTTI: scripts/check-cortex-m fails if malloc, operator new or the C++
// exception runtime appear in the linked image.
#include "tinyforge/c_api.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "tinyforge/update/update_agent.h"

alignas(16) static const unsigned char kModel[16] = {0};
alignas(16) static unsigned char g_arena[4096];

// RAM standing in for flash, enough to link the update agent.
class RamFlash final : public tinyforge::update::Flash {
 public:
  size_t page_bytes() const override { return 256; }
  size_t size() const override { return sizeof(bytes_); }
  const uint8_t* memory() const override { return bytes_; }
  bool erase_page(size_t page) override {
    for (size_t i = 0; i < 256; ++i) bytes_[page * 256 + i] = 0xff;
    return true;
  }
  bool write_word(size_t address, uint32_t word) override {
    for (int b = 0; b < 4; ++b) bytes_[address + b] &= uint8_t(word >> (8 * b));
    return true;
  }

 private:
  alignas(16) uint8_t bytes_[2048] = {};
};

static int update_agent() {
  static RamFlash flash;
  static const uint8_t kKey[32] = {};
  tinyforge::update::AgentConfig config;
  config.public_key = kKey;
  config.board = "mps2-an386";
  config.arena = g_arena;
  config.arena_bytes = sizeof(g_arena);
  const tinyforge::update::FlashLayout layout = {{0, 256}, {512, 1280}, 768};
  tinyforge::update::UpdateAgent agent(flash, layout, config);
  tinyforge::update::ActiveModel active;
  agent.boot(&active);
  agent.begin();
  agent.receive(kModel, sizeof(kModel));
  agent.finish();
  agent.report_failure();
  return int(agent.confirm());
}

int main() {
  if (update_agent() != 0) return 3;
  tinyforge::Model model;
  if (model.load(kModel, sizeof(kModel)) != tinyforge::Status::kOk) return 1;
  tinyforge::Interpreter interpreter;
  if (interpreter.init(model, g_arena, sizeof(g_arena)) != tinyforge::Status::kOk) return 2;
  interpreter.invoke();
  tf_model m;
  tf_interpreter i;
  tf_model_load(&m, kModel, sizeof(kModel));
  tf_interpreter_init(&i, &m, g_arena, sizeof(g_arena));
  return tf_interpreter_invoke(&i);
}

// Bare-metal entry and the few symbols newlib's nosys stubs expect.
extern "C" void _start() {
  main();
  for (;;) {
  }
}
