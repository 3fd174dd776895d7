// Links the whole runtime API into a bare-metal Cortex-M image to prove it needs no heap, no
// exceptions and no RTTI: scripts/check-cortex-m fails if malloc, operator new or the C++
// exception runtime appear in the linked image.
#include "tinyforge/c_api.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

alignas(16) static const unsigned char kModel[16] = {0};
alignas(16) static unsigned char g_arena[4096];

int main() {
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
