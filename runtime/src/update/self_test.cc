#include "tinyforge/update/self_test.h"

#include <string.h>

namespace tinyforge::update {

UpdateStatus run_self_test(const Model& model, void* arena, size_t arena_bytes,
                           const uint8_t* input, size_t input_bytes,
                           uint8_t digest[Sha256::kDigestBytes], const PlanOptions& options) {
  Interpreter interpreter;
  const Status init = interpreter.init(model, arena, arena_bytes, options);
  if (init == Status::kArenaTooSmall) return UpdateStatus::kArenaTooSmall;
  if (init != Status::kOk) return UpdateStatus::kMalformedModel;
  size_t offset = 0;
  for (int i = 0; i < interpreter.num_inputs(); ++i) {
    const TensorView tensor = interpreter.input(i);
    if (tensor.bytes() > input_bytes - offset) return UpdateStatus::kMalformedModel;
    memcpy(tensor.data, input + offset, tensor.bytes());
    offset += tensor.bytes();
  }
  if (offset != input_bytes) return UpdateStatus::kMalformedModel;
  if (interpreter.invoke() != Status::kOk) return UpdateStatus::kMalformedModel;
  Sha256 hash;
  for (int i = 0; i < interpreter.num_outputs(); ++i) {
    const TensorView tensor = interpreter.output(i);
    hash.update(tensor.data, tensor.bytes());
  }
  hash.finish(digest);
  return UpdateStatus::kOk;
}

}  // namespace tinyforge::update
