/* C interface to the runtime for C firmware. Objects live in caller-provided storage. */
#ifndef TINYFORGE_C_API_H_
#define TINYFORGE_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for the C++ objects; sizes are checked at compile time. */
typedef struct {
  uint64_t storage[48];
} tf_model;
typedef struct {
  uint64_t storage[48];
} tf_interpreter;

typedef struct {
  int32_t dtype; /* tflite TensorType value: 0 float32, 2 int32, 3 uint8, 7 int16, 9 int8 */
  int32_t rank;
  const int32_t* dims;
  void* data;
  size_t bytes;
  float scale; /* 0 when not quantized */
  int32_t zero_point;
} tf_tensor;

/* All functions return 0 on success or a tinyforge::Status value. */
int tf_model_load(tf_model* model, const void* data, size_t size);
const char* tf_model_error(const tf_model* model);

int tf_interpreter_init(tf_interpreter* interpreter, const tf_model* model, void* arena,
                        size_t arena_bytes);
size_t tf_interpreter_arena_bytes(const tf_interpreter* interpreter);
int tf_interpreter_num_inputs(const tf_interpreter* interpreter);
int tf_interpreter_num_outputs(const tf_interpreter* interpreter);
int tf_interpreter_input(const tf_interpreter* interpreter, int index, tf_tensor* tensor);
int tf_interpreter_output(const tf_interpreter* interpreter, int index, tf_tensor* tensor);
int tf_interpreter_invoke(tf_interpreter* interpreter);
void tf_interpreter_reset_state(tf_interpreter* interpreter);
const char* tf_interpreter_error(const tf_interpreter* interpreter);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_C_API_H_ */
