// Runs a verified model in one caller-provided arena: no heap, no exceptions.
#ifndef TINYFORGE_INTERPRETER_H_
#define TINYFORGE_INTERPRETER_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/kernel_set.h"
#include "tinyforge/model.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

// The default of PlanOptions::patches: a firmware built with -DTINYFORGE_PATCHES=0 (tinyforge
// deploy --no-patches) plans every model without patch stages.
#ifndef TINYFORGE_PATCHES
#define TINYFORGE_PATCHES 1
#endif

namespace tinyforge {

struct OpRecord;
struct PatchStage;

// How a model uses its arena. Everything the runtime needs beyond the read-only model counts.
struct ArenaUsage {
  size_t total_bytes = 0;         // what init() needs: planned + persistent + alignment slack
  size_t planned_bytes = 0;       // peak of activations and scratch buffers in the plan
  size_t persistent_bytes = 0;    // tensor table, operator records and data, variable tensors
  size_t live_set_bytes = 0;      // largest sum of tensors live at once, without in-place reuse
  int live_set_peak_op = -1;      // an operator at which that sum peaks
  size_t planner_work_bytes = 0;  // temporary memory planning needs (inside the arena in init)
  int in_place_ops = 0;           // operators whose output shares memory with an input
  bool reordered = false;         // operators run in another valid order than the model's
  // Patch-based execution (see PlanOptions::patches): the operators of the stage (0: none), the
  // first one's index, the bands, and the extra work per inference: bytes of the rows that
  // overlapping bands share, moved to the front of the band buffers (no MAC is computed twice).
  int patch_ops = 0;
  int patch_first_op = -1;
  int patch_tiles = 0;
  uint64_t patch_moved_bytes = 0;
};

// How to plan. The defaults are what init() uses on this machine.
struct PlanOptions {
  // Width of a pointer on the target: plan() on a 64-bit host gives a 32-bit device's figure
  // with 4. Kernels' own parameter blocks are measured with this machine's layout, which is never
  // smaller than a 32-bit target's.
  size_t pointer_bytes = sizeof(void*);
  bool in_place = true;  // outputs written over dying inputs where the kernel allows it
  bool reorder = true;   // another operator order when it lowers the peak
  // Patch-based execution when it lowers the peak: the first convolutions and pools of a chain of
  // them run band by band of output rows, so the tensors inside the stage never exist whole
  // (plan/patch_stage.h). The tensors inside the stage hold one band after invoke(), not their
  // values.
  bool patches = TINYFORGE_PATCHES != 0;
  // The kernels the target runs. A build holds the sets of its core (kernel_set.h); the host
  // build holds all of them, so it can plan for a device and run any set's portable form.
  KernelSet kernels = KernelSet::kThisBuild;
};

// Called before (begin = true) and after each operator's eval, e.g. to read a cycle counter.
using ProfileHook = void (*)(void* user, int op_index, bool begin);

class Interpreter {
 public:
  // Bytes of temporary memory plan() needs for `model`.
  static size_t planner_work_bytes(const Model& model);
  // Computes the arena figures without an arena, using `work` (planner_work_bytes() bytes).
  static Status plan(const Model& model, void* work, size_t work_bytes, ArenaUsage* usage,
                     ErrorMessage* error, const PlanOptions& options = PlanOptions());

  // Plans memory in `arena` and prepares every kernel. The model must outlive the interpreter.
  // `options.pointer_bytes` is ignored: the arena is for this machine. `options.kernels` picks the
  // kernels (a set this build does not hold falls back to the next one down, as find_kernel_in).
  Status init(const Model& model, void* arena, size_t arena_bytes,
              const PlanOptions& options = PlanOptions());

  int num_inputs() const { return model_->num_inputs(); }
  int num_outputs() const { return model_->num_outputs(); }
  TensorView input(int i) const;
  TensorView output(int i) const;
  // Any tensor, with its arena data pointer (or model data for constants).
  TensorView tensor(int index) const;

  Status invoke();
  // Zeroes the state of stateful operators (variable tensors), as after init().
  void reset_state();

  void set_profile_hook(ProfileHook hook, void* user) {
    hook_ = hook;
    hook_user_ = user;
  }

  const ArenaUsage& arena_usage() const { return usage_; }
  const char* error() const { return error_.c_str(); }
  const Model& model() const { return *model_; }
  // The operator invoke() runs at `position` (0 .. operators - 1).
  int op_at(int position) const { return order_ != nullptr ? order_[position] : position; }
  // Operator `index`'s persistent block (what its prepare() computed; null if none) and scratch
  // buffer, after a successful init(): `tinyforge export aot` writes them into generated code.
  const void* op_persistent(int index) const;
  const void* op_scratch(int index) const;

 private:
  Status run_stage();

  const Model* model_ = nullptr;
  void** tensor_data_ = nullptr;  // per tensor, in the arena
  OpRecord* ops_ = nullptr;       // per operator, in the arena
  uint16_t* order_ = nullptr;     // execution order when it differs from the model's, in the arena
  PatchStage* stage_ = nullptr;   // the patch stage if the plan has one, in the arena
  ArenaUsage usage_;
  ErrorMessage error_;
  ProfileHook hook_ = nullptr;
  void* hook_user_ = nullptr;
  bool ready_ = false;
};

}  // namespace tinyforge

#endif  // TINYFORGE_INTERPRETER_H_
