// The application `tinyforge deploy` builds: the model is a C array in flash (model_data.h from
// `export c-array --section .tinyforge_model --name g_model`), the arena a static array of the
// planned size (TINYFORGE_ARENA_BYTES). It runs one inference on zeroed inputs between the
// instruction-count markers and prints TF_RESULT; replace this file with your application.
#include <stdint.h>
#include <string.h>

#include "hal/hal.h"
#include "model_data.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

namespace {
alignas(16) uint8_t arena[TINYFORGE_ARENA_BYTES];
}  // namespace

int main() {
  tinyforge::Model model;
  if (model.load(g_model, g_model_len) != tinyforge::Status::kOk) {
    hal_puts("TF_ERROR model: ");
    hal_puts(model.error());
    hal_puts("\n");
    return 1;
  }
  tinyforge::Interpreter interpreter;
  if (interpreter.init(model, arena, sizeof(arena)) != tinyforge::Status::kOk) {
    hal_puts("TF_ERROR init: ");
    hal_puts(interpreter.error());
    hal_puts("\n");
    return 1;
  }
  for (int i = 0; i < interpreter.num_inputs(); ++i) {
    const tinyforge::TensorView t = interpreter.input(i);
    memset(t.data, 0, t.bytes());
  }
  hal_led_set(1);
  hal_insn_begin();
  const tinyforge::Status status = interpreter.invoke();
  hal_insn_end();
  hal_led_set(0);
  if (status != tinyforge::Status::kOk) {
    hal_puts("TF_ERROR invoke: ");
    hal_puts(interpreter.error());
    hal_puts("\n");
    return 1;
  }
  hal_puts("TF_RESULT arena_bytes=");
  hal_put_uint(static_cast<uint32_t>(interpreter.arena_usage().total_bytes));
  hal_puts("\n");
  return 0;
}
