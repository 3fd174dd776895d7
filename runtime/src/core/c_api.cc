#include "tinyforge/c_api.h"

#include <new>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

using tinyforge::Interpreter;
using tinyforge::Model;
using tinyforge::Status;
using tinyforge::TensorView;

static_assert(sizeof(tf_model) >= sizeof(Model) && alignof(tf_model) >= alignof(Model),
              "tf_model storage too small");
static_assert(sizeof(tf_interpreter) >= sizeof(Interpreter) &&
                  alignof(tf_interpreter) >= alignof(Interpreter),
              "tf_interpreter storage too small");

namespace {

const Model* as_model(const tf_model* m) { return reinterpret_cast<const Model*>(m->storage); }
Interpreter* as_interpreter(tf_interpreter* i) {
  return reinterpret_cast<Interpreter*>(i->storage);
}
const Interpreter* as_interpreter(const tf_interpreter* i) {
  return reinterpret_cast<const Interpreter*>(i->storage);
}

int fill(const TensorView& v, tf_tensor* out) {
  out->dtype = static_cast<int32_t>(v.type);
  out->rank = v.rank;
  out->dims = v.dims;
  out->data = v.data;
  out->bytes = v.bytes();
  out->scale = v.scale();
  out->zero_point = v.zero_point();
  return 0;
}

}  // namespace

extern "C" {

int tf_model_load(tf_model* model, const void* data, size_t size) {
  if (model == nullptr) return static_cast<int>(Status::kInvalidArgument);
  Model* m = new (model->storage) Model();
  return static_cast<int>(m->load(data, size));
}

const char* tf_model_error(const tf_model* model) { return as_model(model)->error(); }

int tf_interpreter_init(tf_interpreter* interpreter, const tf_model* model, void* arena,
                        size_t arena_bytes) {
  if (interpreter == nullptr || model == nullptr) return static_cast<int>(Status::kInvalidArgument);
  Interpreter* i = new (interpreter->storage) Interpreter();
  return static_cast<int>(i->init(*as_model(model), arena, arena_bytes));
}

size_t tf_interpreter_arena_bytes(const tf_interpreter* interpreter) {
  return as_interpreter(interpreter)->arena_usage().total_bytes;
}

int tf_interpreter_num_inputs(const tf_interpreter* interpreter) {
  return as_interpreter(interpreter)->num_inputs();
}

int tf_interpreter_num_outputs(const tf_interpreter* interpreter) {
  return as_interpreter(interpreter)->num_outputs();
}

int tf_interpreter_input(const tf_interpreter* interpreter, int index, tf_tensor* tensor) {
  const Interpreter* i = as_interpreter(interpreter);
  if (index < 0 || index >= i->num_inputs() || tensor == nullptr)
    return static_cast<int>(Status::kInvalidArgument);
  return fill(i->input(index), tensor);
}

int tf_interpreter_output(const tf_interpreter* interpreter, int index, tf_tensor* tensor) {
  const Interpreter* i = as_interpreter(interpreter);
  if (index < 0 || index >= i->num_outputs() || tensor == nullptr)
    return static_cast<int>(Status::kInvalidArgument);
  return fill(i->output(index), tensor);
}

int tf_interpreter_invoke(tf_interpreter* interpreter) {
  return static_cast<int>(as_interpreter(interpreter)->invoke());
}

void tf_interpreter_reset_state(tf_interpreter* interpreter) {
  as_interpreter(interpreter)->reset_state();
}

const char* tf_interpreter_error(const tf_interpreter* interpreter) {
  return as_interpreter(interpreter)->error();
}

}  // extern "C"
