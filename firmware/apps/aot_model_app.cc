// The application `tinyforge deploy --aot` builds: the model compiled ahead of time
// (model_aot.{h,cc} from `export aot`: no interpreter, no flatbuffer, arena a static array in the
// generated code). It runs one inference on zeroed inputs between the instruction-count markers
// and prints TF_RESULT; replace this file with your application.
#include <string.h>

#include "hal/hal.h"
#include "model_aot.h"

int main() {
  model_aot::reset_state();
  for (int i = 0; i < model_aot::kNumInputs; ++i) {
    const tinyforge::TensorView& t = model_aot::input(i);
    memset(t.data, 0, t.bytes());
  }
  hal_led_set(1);
  hal_insn_begin();
  const tinyforge::Status status = model_aot::invoke();
  hal_insn_end();
  hal_led_set(0);
  if (status != tinyforge::Status::kOk) {
    hal_puts("TF_ERROR invoke: ");
    hal_puts(model_aot::error());
    hal_puts("\n");
    return 1;
  }
  hal_puts("TF_RESULT arena_bytes=");
  hal_put_uint(static_cast<uint32_t>(model_aot::kArenaBytes));
  hal_puts("\n");
  return 0;
}
