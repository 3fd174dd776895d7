#include "tinyforge/interpreter.h"

#include <string.h>

#include "kernels/kernel.h"
#include "plan/memory_planner.h"

namespace tinyforge {

struct OpRecord {
  const KernelRegistration* kernel;
  void* persistent;
  void* scratch;
};

namespace {

constexpr size_t kArenaAlignment = 16;

size_t align8(size_t bytes) { return (bytes + 7) & ~size_t{7}; }

size_t table_bytes(const Model& model) {
  return align8(sizeof(void*) * model.num_tensors()) +
         align8(sizeof(OpRecord) * model.num_operators());
}

size_t variable_bytes(const Model& model) {
  size_t total = 0;
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = model.tensor(t);
    if (v.is_variable) total += align8(v.bytes());
  }
  return total;
}

// Sizing pass: runs every kernel's prepare without memory to learn its persistent and scratch
// needs. Scratch sizes go to the planner.
Status measure_kernels(const Model& model, MemoryPlanner* planner, size_t* persistent,
                       ErrorMessage* error) {
  *persistent = 0;
  for (int i = 0; i < model.num_operators(); ++i) {
    PrepareContext ctx(model, i, nullptr, error, nullptr, 0);
    const Status status = model.op_kernel(i)->prepare(ctx);
    if (status != Status::kOk) return status;
    *persistent += align8(ctx.persistent_used());
    if (planner != nullptr) planner->set_scratch(i, ctx.scratch_bytes());
  }
  return Status::kOk;
}

}  // namespace

size_t Interpreter::planner_work_bytes(const Model& model) {
  return MemoryPlanner::work_bytes(model);
}

Status Interpreter::plan(const Model& model, void* work, size_t work_bytes, ArenaUsage* usage,
                         ErrorMessage* error) {
  if (!model.runnable()) {
    error->clear();
    error->add("model is not loaded and fully verified");
    return Status::kNotReady;
  }
  const size_t needed = MemoryPlanner::work_bytes(model);
  if (work == nullptr || work_bytes < needed) {
    error->clear();
    error->add("planner needs ").add(static_cast<int64_t>(needed)).add(" bytes of work memory");
    return Status::kInvalidArgument;
  }
  MemoryPlanner planner(model, work);
  size_t kernel_bytes = 0;
  const Status status = measure_kernels(model, &planner, &kernel_bytes, error);
  if (status != Status::kOk) return status;
  usage->planned_bytes = planner.plan();
  usage->persistent_bytes = table_bytes(model) + kernel_bytes + variable_bytes(model);
  usage->live_set_bytes = planner.live_set_bytes();
  usage->live_set_peak_op = planner.live_set_peak_op();
  usage->planner_work_bytes = needed;
  const size_t front = usage->planned_bytes > needed ? usage->planned_bytes : needed;
  usage->total_bytes = align8(front) + usage->persistent_bytes;
  return Status::kOk;
}

Status Interpreter::init(const Model& model, void* arena, size_t arena_bytes) {
  ready_ = false;
  model_ = &model;
  error_.clear();
  if (!model.runnable()) {
    error_.add("model is not loaded and fully verified");
    return Status::kNotReady;
  }
  if (arena == nullptr) {
    error_.add("no arena");
    return Status::kInvalidArgument;
  }
  uint8_t* base = static_cast<uint8_t*>(arena);
  const size_t skew =
      (kArenaAlignment - reinterpret_cast<uintptr_t>(base) % kArenaAlignment) % kArenaAlignment;
  if (arena_bytes < skew) arena_bytes = skew;
  base += skew;
  const size_t available = arena_bytes - skew;

  const size_t work_bytes = MemoryPlanner::work_bytes(model);
  if (work_bytes > available) {
    error_.add("arena too small: ")
        .add(static_cast<int64_t>(available))
        .add(" bytes, planning alone needs ");
    error_.add(static_cast<int64_t>(work_bytes));
    return Status::kArenaTooSmall;
  }
  // The planner works at the start of the arena; its results are copied out before the
  // activations (which later reuse that memory) are ever written.
  MemoryPlanner planner(model, base);
  size_t kernel_bytes = 0;
  Status status = measure_kernels(model, &planner, &kernel_bytes, &error_);
  if (status != Status::kOk) return status;
  usage_.planned_bytes = planner.plan();
  usage_.persistent_bytes = table_bytes(model) + kernel_bytes + variable_bytes(model);
  usage_.live_set_bytes = planner.live_set_bytes();
  usage_.live_set_peak_op = planner.live_set_peak_op();
  usage_.planner_work_bytes = work_bytes;
  const size_t front =
      align8(usage_.planned_bytes > work_bytes ? usage_.planned_bytes : work_bytes);
  usage_.total_bytes = front + usage_.persistent_bytes;
  if (usage_.total_bytes > available) {
    error_.add("arena too small: ")
        .add(static_cast<int64_t>(available))
        .add(" bytes, the model needs ");
    error_.add(static_cast<int64_t>(usage_.total_bytes + skew));
    return Status::kArenaTooSmall;
  }

  uint8_t* persistent = base + front;
  tensor_data_ = reinterpret_cast<void**>(persistent);
  ops_ = reinterpret_cast<OpRecord*>(persistent + align8(sizeof(void*) * model.num_tensors()));
  uint8_t* next = persistent + table_bytes(model);
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = model.tensor(t);
    if (v.is_constant) {
      tensor_data_[t] = v.data;
    } else if (v.is_variable) {
      tensor_data_[t] = next;
      next += align8(v.bytes());
    } else {
      const int64_t offset = planner.tensor_offset(t);
      tensor_data_[t] = offset < 0 ? nullptr : base + offset;
    }
  }
  // The planner's work area lies below `front`, so it is still intact while the tables are filled.
  for (int i = 0; i < model.num_operators(); ++i) {
    const int64_t offset = planner.scratch_offset(i);
    ops_[i].kernel = model.op_kernel(i);
    ops_[i].scratch = offset < 0 ? nullptr : base + offset;
  }
  uint8_t* const end = base + usage_.total_bytes;
  for (int i = 0; i < model.num_operators(); ++i) {
    ops_[i].persistent = next;
    PrepareContext ctx(model, i, tensor_data_, &error_, next, static_cast<size_t>(end - next));
    status = ops_[i].kernel->prepare(ctx);
    if (status != Status::kOk) return status;
    if (ctx.persistent_used() > static_cast<size_t>(end - next)) {
      ctx.fail(Status::kKernelError, "asked for more memory than when it was measured");
      return Status::kKernelError;
    }
    if (ctx.persistent_used() == 0) ops_[i].persistent = nullptr;
    next += align8(ctx.persistent_used());
  }
  ready_ = true;
  reset_state();
  return Status::kOk;
}

TensorView Interpreter::tensor(int index) const {
  TensorView v = model_->tensor(index);
  if (ready_) v.data = tensor_data_[index];
  return v;
}

TensorView Interpreter::input(int i) const { return tensor(model_->input_tensor(i)); }
TensorView Interpreter::output(int i) const { return tensor(model_->output_tensor(i)); }

void Interpreter::reset_state() {
  if (!ready_) return;
  for (int t = 0; t < model_->num_tensors(); ++t) {
    const TensorView v = model_->tensor(t);
    // As TFLite Micro: int8 state starts at its zero point (the real value 0), others at 0.
    if (v.is_variable)
      memset(tensor_data_[t], v.type == DataType::kInt8 ? v.zero_point() : 0, v.bytes());
  }
}

Status Interpreter::invoke() {
  if (!ready_) {
    error_.clear();
    error_.add("invoke before a successful init");
    return Status::kNotReady;
  }
  for (int i = 0; i < model_->num_operators(); ++i) {
    if (hook_ != nullptr) hook_(hook_user_, i, true);
    EvalContext ctx(*model_, i, tensor_data_, &error_, ops_[i].persistent, ops_[i].scratch);
    const Status status = ops_[i].kernel->eval(ctx);
    if (hook_ != nullptr) hook_(hook_user_, i, false);
    if (status != Status::kOk) {
      if (error_.empty()) ctx.fail(status, "failed");
      return status;
    }
  }
  return Status::kOk;
}

}  // namespace tinyforge
