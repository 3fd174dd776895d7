// The interface between the interpreter and one operator's kernel.
//
// A kernel has two functions. prepare() checks the operator (dtypes, shapes, quantization,
// options) and states what memory it needs; it runs twice: once while the model is verified
// (sizing: nothing is allocated, activation data is null) and once when the interpreter is
// initialised (allocations return memory in the arena, where precomputed parameters go).
// eval() computes the outputs. prepare() functions are declared [[gnu::cold]]: they run only at
// init, so the compiler builds them for size and keeps flash for the eval() loops.
#ifndef TINYFORGE_KERNELS_KERNEL_H_
#define TINYFORGE_KERNELS_KERNEL_H_

#include <stddef.h>
#include <stdint.h>

#include "tflite_generated.h"
#include "tinyforge/kernel_set.h"
#include "tinyforge/model.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

// The tensor dtypes besides int8/int32 that this build's kernels compute (TINYFORGE_DTYPES in
// runtime/CMakeLists.txt): a firmware built for one model leaves out the float32 and int16 paths it
// never takes, and the verifier refuses models that would need them. A build without CMake (the
// Arduino library of `tinyforge export arduino`, whose builder takes no per-library flags) sets
// them in a tinyforge_config.h on its include path.
#if defined(__has_include)
#if __has_include("tinyforge_config.h")
#include "tinyforge_config.h"
#endif
#endif
#ifndef TINYFORGE_WITH_FLOAT32
#define TINYFORGE_WITH_FLOAT32 1
#endif
#ifndef TINYFORGE_WITH_INT16
#define TINYFORGE_WITH_INT16 1
#endif

// TINYFORGE_AOT: a build for code `tinyforge export aot` generated (docs/aot.md). Kernels are then
// reached only through their eval(): operands come from the generated tables (OperandTable), not
// from a model, and the registrations drop their prepare() so none of it is linked.
#ifndef TINYFORGE_AOT
#define TINYFORGE_AOT 0
#endif

namespace tinyforge {

constexpr bool kWithFloat32 = TINYFORGE_WITH_FLOAT32 != 0;
constexpr bool kWithInt16 = TINYFORGE_WITH_INT16 != 0;
inline bool dtype_in_build(DataType type) {
  return (type != DataType::kFloat32 || kWithFloat32) && (type != DataType::kInt16 || kWithInt16);
}

// The operands of one operator in generated code: its inputs' views, then its outputs' (null: an
// omitted optional input).
struct OperandTable {
  const TensorView* const* views;
  int num_inputs;
  int num_outputs;
};

class OpContext {
 public:
  OpContext(const Model& model, int op_index, void* const* tensor_data, ErrorMessage* error)
      : model_(&model), op_index_(op_index), tensor_data_(tensor_data), error_(error) {}
  OpContext(const OperandTable& operands, ErrorMessage* error)
      : operands_(&operands), error_(error) {}

#if TINYFORGE_AOT
  int num_inputs() const { return operands_->num_inputs; }
  int num_outputs() const { return operands_->num_outputs; }
#else
  int num_inputs() const { return model_->op_num_inputs(op_index_); }
  int num_outputs() const { return model_->op_num_outputs(op_index_); }
#endif
  // An omitted optional input (index -1, or past the end) has type DataType::kNone.
  TensorView input(int i) const;
  TensorView output(int i) const;
  const tflite::Operator& op() const { return *model_->op(op_index_); }
  int version() const { return model_->op_version(op_index_); }
  int op_index() const { return op_index_; }
  const Model& model() const { return *model_; }

  // Records "OPNAME (operator #N): <what>" and returns `status`.
  Status fail(Status status, const char* what);
  // For messages with numbers: fail(...) first, then append to message().
  ErrorMessage& message() { return *error_; }

 protected:
  TensorView view(int tensor_index) const;

  const Model* model_ = nullptr;
  int op_index_ = -1;
  void* const* tensor_data_ = nullptr;      // null while sizing
  const OperandTable* operands_ = nullptr;  // generated code's operands (TINYFORGE_AOT builds)
  ErrorMessage* error_;
};

class PrepareContext : public OpContext {
 public:
  PrepareContext(const Model& model, int op_index, void* const* tensor_data, ErrorMessage* error,
                 uint8_t* persistent, size_t persistent_capacity)
      : OpContext(model, op_index, tensor_data, error),
        persistent_(persistent),
        persistent_capacity_(persistent_capacity) {}

  // True while the model is only being checked and measured: allocations return nullptr.
  bool sizing() const { return persistent_ == nullptr; }

  // Memory that lives as long as the interpreter (precomputed multipliers, state). The first
  // allocation is what EvalContext::persistent() returns. Aligned to 8 bytes.
  void* allocate_persistent(size_t bytes);
  template <typename T>
  T* allocate_persistent(size_t count = 1) {
    return static_cast<T*>(allocate_persistent(sizeof(T) * count));
  }
  // One scratch buffer per operator, valid only during its eval(); other ops reuse the memory.
  void request_scratch(size_t bytes) { scratch_bytes_ = bytes; }
  // Output 0 may overwrite input `input` (0..7) where that input dies at this operator, provided
  // the output starts `lead` bytes or more before it (see kernels/in_place.h for the loop orders
  // that make this safe). Several inputs may be offered; they share the largest lead.
  void allow_in_place(int input, int64_t lead);
  // Withdraws every offer: for a kernel whose loop order differs from the one an offer was made
  // for (a fast kernel that ran its reference kernel's prepare()).
  void forbid_in_place() {
    in_place_inputs_ = 0;
    in_place_lead_ = INT32_MIN;
  }

  size_t persistent_used() const { return persistent_used_; }
  size_t scratch_bytes() const { return scratch_bytes_; }
  uint8_t in_place_inputs() const { return in_place_inputs_; }
  int32_t in_place_lead() const { return in_place_lead_; }

 private:
  uint8_t* persistent_;
  size_t persistent_capacity_;
  size_t persistent_used_ = 0;
  size_t scratch_bytes_ = 0;
  uint8_t in_place_inputs_ = 0;  // bit k: input k
  int32_t in_place_lead_ = INT32_MIN;
};

// A horizontal band of a sliding-window operator's output (patch-based execution, see
// plan/patch_stage.h): the input data holds only the `in_rows` image rows the band's windows read
// (the rows they read outside it are outside the image), the output data only the band's
// `out_rows` rows. The kernel computes it as a whole image of in_rows rows whose first output
// row's window starts `pad_top` rows above the first input row.
struct RowBand {
  int32_t in_rows, out_rows, pad_top;
};

class EvalContext : public OpContext {
 public:
  EvalContext(const Model& model, int op_index, void* const* tensor_data, ErrorMessage* error,
              void* persistent, void* scratch, const RowBand* band = nullptr)
      : OpContext(model, op_index, tensor_data, error),
        persistent_(persistent),
        scratch_(scratch),
        band_(band) {}
  EvalContext(const OperandTable& operands, ErrorMessage* error, void* persistent, void* scratch,
              const RowBand* band = nullptr)
      : OpContext(operands, error), persistent_(persistent), scratch_(scratch), band_(band) {}

  void* persistent() const { return persistent_; }
  template <typename T>
  T* persistent() const {
    return static_cast<T*>(persistent_);
  }
  void* scratch() const { return scratch_; }
  // The same operator seen with another persistent block: for a kernel that hands a node to
  // another kernel whose state it allocated (the fast kernels' reference fallback).
  EvalContext with_persistent(void* persistent) const {
    EvalContext other = *this;
    other.persistent_ = persistent;
    return other;
  }
  // The output rows to compute, or null for the whole output. Only the sliding-window kernels
  // (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D) are given bands.
  const RowBand* band() const { return band_; }

 private:
  void* persistent_;
  void* scratch_;
  const RowBand* band_;
};

#if TINYFORGE_AOT
// Generated code carries what prepare() computed, so an AOT build keeps no pointer to it and the
// linker leaves every prepare() out.
struct PrepareSlot {
  constexpr PrepareSlot(Status (*)(PrepareContext&)) {}
  Status operator()(PrepareContext&) const { return Status::kUnsupported; }
};
#else
using PrepareSlot = Status (*)(PrepareContext& ctx);
#endif

struct KernelRegistration {
  int32_t op_code;  // tflite::BuiltinOperator
  int32_t min_version;
  int32_t max_version;
  PrepareSlot prepare;
  Status (*eval)(EvalContext& ctx);
  // Output 0 may share input 0's memory when input 0 is not needed afterwards (reshape family);
  // eval() must then cope with identical input and output pointers.
  bool output_may_alias_input;
  // For kernels that keep state in their persistent memory (the audio frontend's noise
  // estimates): puts it back as after init(). Interpreter::reset_state() calls it.
  void (*reset)(EvalContext& ctx) = nullptr;
};

// The kernel for an operator code (builtin, or a known custom operator's: format/custom_ops.h), or
// nullptr. Generated from the kernel sources: every
// `extern const KernelRegistration kKernel_<OP> = {...};` (at the start of a line) in
// kernels/ref/*.cc and kernels/signal/*.cc is registered (<OP> is the builtin's or the custom
// operator's name); on cores with the Arm DSP extension, every
// `kDspKernel_<OP>` in kernels/arm/*.cc is registered ahead of them and found first, and on cores
// with MVE every `kMveKernel_<OP>` in kernels/mve/*.cc ahead of those.
const KernelRegistration* find_kernel(int32_t op_code);
// The kernel `set` runs the operator with (the reference kernel where the set has no other).
const KernelRegistration* find_kernel_in(int32_t op_code, KernelSet set);

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_KERNEL_H_
