// A TFLite model read in place from the caller's bytes (e.g. flash) after full verification.
#ifndef TINYFORGE_MODEL_H_
#define TINYFORGE_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tflite {
struct Model;
struct SubGraph;
struct Operator;
}  // namespace tflite

namespace tinyforge {

struct KernelRegistration;

// Limits that keep every size computation inside 32 bits on the device.
constexpr int32_t kMaxTensors = 4096;
constexpr int32_t kMaxOperators = 4096;
constexpr int32_t kMaxOperatorInputs = 64;
constexpr uint32_t kMaxTensorBytes = 0x40000000u;
// Custom operators the runtime knows (TFLite Micro's signal library) get operator codes from here
// up, above every builtin code; an unknown custom operator keeps the builtin code CUSTOM (32).
constexpr int32_t kFirstCustomOpCode = 1000;

enum class Verification : uint8_t {
  kFull,       // everything, so the model can run
  kStructure,  // the file's structure, tensors and graph, but not the operators' kernels, and
               // tensors this build cannot hold (an unknown dtype, sparse) do not stop it: enough
               // to describe a model this runtime cannot run (check_tensor, check_operator say why)
};

class Model {
 public:
  // Verifies `data` completely: FlatBuffers structure, then meaning (buffer sizes against shapes,
  // indices, execution order, and every operator against its kernel's requirements). The bytes
  // are not copied; they must stay valid and unchanged while the model is used. `data` must be
  // 4-byte aligned (16 is recommended, as for TFLite Micro).
  Status load(const void* data, size_t size, Verification level = Verification::kFull);

  // Loaded and verified (at the level asked for).
  bool ok() const { return model_ != nullptr; }
  // Fully verified, including every operator against its kernel: the interpreter can run it.
  bool runnable() const { return runnable_; }
  const char* error() const { return error_.c_str(); }

  // Why this build cannot hold tensor `index` (dtype, sparsity, custom quantization) or run
  // operator `index` (an operand it cannot hold, no kernel or version, or the kernel's own
  // refusal): kOk when it can, else the status with the reason appended to `why`. For a model
  // loaded at any level; a runnable() model passes every check.
  Status check_tensor(int index, ErrorMessage* why) const;
  Status check_operator(int index, ErrorMessage* why) const;

  int num_tensors() const;
  int num_operators() const;
  int num_inputs() const;
  int num_outputs() const;
  int input_tensor(int i) const;
  int output_tensor(int i) const;

  // Shape, dtype and quantization of tensor `index`; data is set for constant tensors only.
  TensorView tensor(int index) const;

  // The builtin operator code (tflite::BuiltinOperator value), or a known custom operator's code
  // (kFirstCustomOpCode and up), and the version of operator `index`.
  int32_t op_code(int index) const;
  int32_t op_version(int index) const;
  // The kernel that runs operator `index` (null if the model is not runnable()).
  const KernelRegistration* op_kernel(int index) const;
  const ::tflite::Operator* op(int index) const;
  // Tensor indices of operator `index`'s inputs and outputs (-1 for omitted optional inputs).
  int op_num_inputs(int index) const;
  int op_input(int index, int i) const;
  int op_num_outputs(int index) const;
  int op_output(int index, int i) const;

  const ::tflite::Model* flatbuffer() const { return model_; }
  const uint8_t* bytes() const { return data_; }
  size_t size() const { return size_; }

 private:
  Status fail(Status status);
  Status verify_buffers();
  Status verify_tensors(Verification level);
  Status check_kernel(int index, ErrorMessage* why) const;
  Status check_prepare(int index, ErrorMessage* why) const;
  Status verify_operators();
  Status verify_io();
  Status verify_execution_order();
  Status verify_kernels();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  const ::tflite::Model* model_ = nullptr;
  const ::tflite::SubGraph* subgraph_ = nullptr;
  ErrorMessage error_;
  bool runnable_ = false;
};

// The operator's name: a builtin's ("CONV_2D"), a known custom operator's ("SignalRfft"), or
// "UNKNOWN".
const char* op_name(int32_t op_code);

}  // namespace tinyforge

#endif  // TINYFORGE_MODEL_H_
