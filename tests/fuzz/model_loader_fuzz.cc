// libFuzzer target for everything the runtime does with outside bytes: verify a model, plan its
// memory, prepare its kernels and run it. Built with AddressSanitizer and UBSan (scripts/fuzz).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

namespace {

constexpr size_t kMaxArenaBytes = 16u << 20;

uint8_t* aligned_copy(const uint8_t* data, size_t size) {
  uint8_t* copy = static_cast<uint8_t*>(aligned_alloc(16, (size + 15) / 16 * 16 + 16));
  if (size > 0) memcpy(copy, data, size);
  return copy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t* bytes = aligned_copy(data, size);
  tinyforge::Model model;
  if (model.load(bytes, size) == tinyforge::Status::kOk) {
    const size_t work_bytes = tinyforge::Interpreter::planner_work_bytes(model);
    void* work = aligned_alloc(16, (work_bytes + 15) / 16 * 16);
    tinyforge::ArenaUsage usage;
    tinyforge::ErrorMessage error;
    const bool planned = tinyforge::Interpreter::plan(model, work, work_bytes, &usage, &error) ==
                         tinyforge::Status::kOk;
    free(work);
    if (planned && usage.total_bytes <= kMaxArenaBytes) {
      const size_t arena_bytes = (usage.total_bytes + 15) / 16 * 16;
      uint8_t* arena = static_cast<uint8_t*>(aligned_alloc(16, arena_bytes));
      memset(arena, 0, arena_bytes);
      tinyforge::Interpreter interpreter;
      if (interpreter.init(model, arena, arena_bytes) == tinyforge::Status::kOk) {
        // Inputs from the fuzzer's own bytes, so values vary too.
        for (int i = 0; i < interpreter.num_inputs(); ++i) {
          const tinyforge::TensorView in = interpreter.input(i);
          const size_t n = in.bytes();
          for (size_t k = 0; k < n; ++k)
            static_cast<uint8_t*>(in.data)[k] = data[(k * 7 + i) % size];
        }
        interpreter.invoke();
        interpreter.reset_state();
      }
      free(arena);
    }
  }
  free(bytes);
  return 0;
}
