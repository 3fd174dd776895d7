// Reading a verified .tflite flatbuffer: the helpers both the verifier (model.cc) and the
// accessors the kernels call on every invoke (model_access.cc) use.
#ifndef TINYFORGE_FORMAT_FLATBUFFER_ACCESS_H_
#define TINYFORGE_FORMAT_FLATBUFFER_ACCESS_H_

#include <stdint.h>

#include "format/custom_ops.h"
#include "tflite_generated.h"

namespace tinyforge {
namespace format {

inline int32_t builtin_code_of(const tflite::OperatorCode* code) {
  // Files written before builtin_code existed only carry the deprecated byte.
  const int32_t deprecated = code->deprecated_builtin_code();
  const int32_t current = static_cast<int32_t>(code->builtin_code());
  return deprecated > current ? deprecated : current;
}

// The builtin code, or for a custom operator this runtime knows, its own code (custom_ops.h).
inline int32_t operator_code_of(const tflite::OperatorCode* code) {
  const int32_t builtin = builtin_code_of(code);
  if (builtin != static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM) ||
      code->custom_code() == nullptr)
    return builtin;
  const int32_t custom =
      custom_op_code_of(code->custom_code()->c_str(), code->custom_code()->size());
  return custom >= 0 ? custom : builtin;
}

// Bytes and data pointer of buffer `index`, inside the flatbuffer or after it (offset/size).
struct BufferSpan {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

inline BufferSpan buffer_span(const uint8_t* file, const tflite::Model* model, uint32_t index) {
  BufferSpan span;
  const auto* buffers = model->buffers();
  if (buffers == nullptr || index >= buffers->size()) return span;
  const tflite::Buffer* buffer = buffers->Get(index);
  if (buffer == nullptr) return span;
  if (buffer->offset() > 1) {
    span.data = file + buffer->offset();
    span.size = buffer->size();
  } else if (buffer->data() != nullptr) {
    span.data = buffer->data()->data();
    span.size = buffer->data()->size();
  }
  if (span.size == 0) span.data = nullptr;
  return span;
}

}  // namespace format
}  // namespace tinyforge

#endif  // TINYFORGE_FORMAT_FLATBUFFER_ACCESS_H_
