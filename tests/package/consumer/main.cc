// Runs the exported model once on its input's zero point (a real 0 for int8 models) and prints
// the first output tensor's bytes in hex: on the host with printf, on a board over semihosting.
#include <stdint.h>
#include <stdio.h>

#include "model_data.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

#if TINYFORGE_CONSUMER_ON_BOARD
#include "hal/hal.h"
#define PRINT(text) hal_puts(text)
#else
#define PRINT(text) fputs(text, stdout)
#endif

namespace {
// Room for the host's 64-bit pointers too (the exported constant is a 32-bit device's figure).
alignas(16) uint8_t g_arena[64 * 1024];
}  // namespace

int main() {
  tinyforge::Model model;
  tinyforge::Interpreter interpreter;
  if (model.load(g_model, g_model_len) != tinyforge::Status::kOk) {
    PRINT(model.error());
    return 1;
  }
  if (interpreter.init(model, g_arena, sizeof(g_arena)) != tinyforge::Status::kOk) {
    PRINT(interpreter.error());
    return 1;
  }
  const tinyforge::TensorView input = interpreter.input(0);
  for (int64_t i = 0; i < input.elements(); ++i) {
    static_cast<int8_t*>(input.data)[i] = static_cast<int8_t>(input.zero_point());
  }
  if (interpreter.invoke() != tinyforge::Status::kOk) {
    PRINT(interpreter.error());
    return 1;
  }
  const tinyforge::TensorView output = interpreter.output(0);
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < output.bytes(); ++i) {
    const uint8_t byte = static_cast<const uint8_t*>(output.data)[i];
    const char text[3] = {kHex[byte >> 4], kHex[byte & 15], 0};
    PRINT(text);
  }
  PRINT("\n");
  return 0;
}
