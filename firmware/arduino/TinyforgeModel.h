// TinyforgeModel: the model this Arduino library was exported with (`tinyforge export arduino`),
// run by tinyforge's runtime in a static arena: no heap, no exceptions. Plain C++17, no Arduino
// API, so the same class runs in any firmware.
//
//   TinyforgeModel model;
//   model.begin();                    // verify the model, plan its memory (once)
//   model.set_input(i, value);        // or write model.input().data directly
//   model.invoke();
//   model.output_value(k);            // or read model.output().data
#ifndef TINYFORGE_ARDUINO_TINYFORGE_MODEL_H_
#define TINYFORGE_ARDUINO_TINYFORGE_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

class TinyforgeModel {
 public:
  // Verifies the model and plans its memory in the library's arena; false on failure (error()).
  bool begin();
  // Runs one inference on the current inputs; false on failure (error()).
  bool invoke();
  // The model's input and output tensors (type, shape, quantization, data in the arena).
  tinyforge::TensorView input(int index = 0) const;
  tinyforge::TensorView output(int index = 0) const;
  int num_inputs() const;
  int num_outputs() const;

  // Element `element` of input `index` from a real value: quantized with the tensor's scale and
  // zero point for int8/int16, stored as is for float32. False if out of range.
  bool set_input(int32_t element, float value, int index = 0);
  // Element `element` of output `index` as a real value (dequantized).
  float output_value(int32_t element, int index = 0) const;
  // The element of output `index` with the highest value (the class, for a classifier).
  int32_t top_index(int index = 0) const;
  // The class name stored with the model for output element `element`, or "" without names.
  static const char* label(int32_t element);

  // Why begin() or invoke() failed.
  const char* error() const { return error_; }
  // The arena's size: what the model needs on a 32-bit device with this library's kernels.
  static size_t arena_bytes();

 private:
  tinyforge::Model model_;
  tinyforge::Interpreter interpreter_;
  const char* error_ = "begin() not called";
  bool ready_ = false;
};

#endif  // TINYFORGE_ARDUINO_TINYFORGE_MODEL_H_
