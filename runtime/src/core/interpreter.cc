#include "tinyforge/interpreter.h"

#include <string.h>

#include "kernels/kernel.h"
#include "plan/memory_planner.h"
#include "plan/patch_stage.h"

namespace tinyforge {

struct OpRecord {
  const KernelRegistration* kernel;
  void* persistent;
  void* scratch;
};

namespace {

constexpr size_t kArenaAlignment = 16;

size_t align8(size_t bytes) { return (bytes + 7) & ~size_t{7}; }

// The tensor pointer table and the operator records (three pointers each, see OpRecord).
size_t table_bytes(const Model& model, size_t pointer_bytes) {
  static_assert(sizeof(OpRecord) == 3 * sizeof(void*), "OpRecord is three pointers");
  return align8(pointer_bytes * model.num_tensors()) +
         align8(3 * pointer_bytes * model.num_operators());
}

size_t order_bytes(const Model& model, bool reordered) {
  return reordered ? align8(sizeof(uint16_t) * model.num_operators()) : 0;
}

size_t stage_arena_bytes(int patch_ops) {
  return patch_ops > 0 ? align8(stage_bytes(patch_ops)) : 0;
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
// needs and whether it can run in place. Scratch sizes and in-place offers go to the planner.
Status measure_kernels(const Model& model, KernelSet kernels, MemoryPlanner* planner,
                       size_t* persistent, ErrorMessage* error) {
  *persistent = 0;
  for (int i = 0; i < model.num_operators(); ++i) {
    PrepareContext ctx(model, i, nullptr, error, nullptr, 0);
    const Status status = find_kernel_in(model.op_code(i), kernels)->prepare(ctx);
    if (status != Status::kOk) return status;
    *persistent += align8(ctx.persistent_used());
    planner->set_scratch(i, ctx.scratch_bytes());
    planner->set_in_place(i, ctx.in_place_inputs(), ctx.in_place_lead());
  }
  return Status::kOk;
}

// Measures the kernels, plans, and fills `usage` for a target with `pointer_bytes` pointers.
Status plan_usage(const Model& model, MemoryPlanner* planner, size_t pointer_bytes,
                  KernelSet kernels, ArenaUsage* usage, ErrorMessage* error) {
  size_t kernel_bytes = 0;
  const Status status = measure_kernels(model, kernels, planner, &kernel_bytes, error);
  if (status != Status::kOk) return status;
  usage->planned_bytes = planner->plan();
  usage->reordered = planner->reordered();
  usage->in_place_ops = planner->in_place_ops();
  const PatchStage& stage = planner->patch_stage();
  usage->patch_ops = stage.ops;
  usage->patch_first_op = stage.ops > 0 ? planner->op_at(stage.first) : -1;
  usage->patch_tiles = stage.ops > 0 ? stage.tiles : 0;
  usage->patch_moved_bytes = stage.ops > 0 ? moved_bytes(stage) : 0;
  usage->persistent_bytes = table_bytes(model, pointer_bytes) +
                            order_bytes(model, usage->reordered) + stage_arena_bytes(stage.ops) +
                            kernel_bytes + variable_bytes(model);
  usage->live_set_bytes = planner->live_set_bytes();
  usage->live_set_peak_op = planner->live_set_peak_op();
  usage->planner_work_bytes = MemoryPlanner::work_bytes(model);
  // The planner works at the start of the arena, where the activations go afterwards.
  const size_t front = usage->planned_bytes > usage->planner_work_bytes ? usage->planned_bytes
                                                                        : usage->planner_work_bytes;
  usage->total_bytes = align8(front) + usage->persistent_bytes;
  return Status::kOk;
}

PlannerChoices choices_of(const PlanOptions& options) {
  PlannerChoices choices;
  choices.in_place = options.in_place;
  choices.reorder = options.reorder;
  choices.patches = options.patches;
  return choices;
}

}  // namespace

size_t Interpreter::planner_work_bytes(const Model& model) {
  return MemoryPlanner::work_bytes(model);
}

Status Interpreter::plan(const Model& model, void* work, size_t work_bytes, ArenaUsage* usage,
                         ErrorMessage* error, const PlanOptions& options) {
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
  MemoryPlanner planner(model, work, choices_of(options));
  return plan_usage(model, &planner, options.pointer_bytes, options.kernels, usage, error);
}

Status Interpreter::init(const Model& model, void* arena, size_t arena_bytes,
                         const PlanOptions& options) {
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
  MemoryPlanner planner(model, base, choices_of(options));
  Status status = plan_usage(model, &planner, sizeof(void*), options.kernels, &usage_, &error_);
  if (status != Status::kOk) return status;
  if (usage_.total_bytes > available) {
    error_.add("arena too small: ")
        .add(static_cast<int64_t>(available))
        .add(" bytes, the model needs ");
    error_.add(static_cast<int64_t>(usage_.total_bytes + skew));
    return Status::kArenaTooSmall;
  }
  const size_t front = usage_.total_bytes - usage_.persistent_bytes;

  uint8_t* persistent = base + front;
  tensor_data_ = reinterpret_cast<void**>(persistent);
  ops_ = reinterpret_cast<OpRecord*>(persistent + align8(sizeof(void*) * model.num_tensors()));
  uint8_t* next = persistent + table_bytes(model, sizeof(void*));
  order_ = nullptr;
  if (usage_.reordered) {
    order_ = reinterpret_cast<uint16_t*>(next);
    for (int p = 0; p < model.num_operators(); ++p)
      order_[p] = static_cast<uint16_t>(planner.op_at(p));
    next += order_bytes(model, true);
  }
  stage_ = nullptr;
  if (usage_.patch_ops > 0) {
    stage_ = reinterpret_cast<PatchStage*>(next);
    memcpy(stage_, &planner.patch_stage(), stage_bytes(usage_.patch_ops));
    next += stage_arena_bytes(usage_.patch_ops);
  }
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
    ops_[i].kernel = find_kernel_in(model.op_code(i), options.kernels);
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

const void* Interpreter::op_persistent(int index) const {
  return ready_ ? ops_[index].persistent : nullptr;
}

const void* Interpreter::op_scratch(int index) const {
  return ready_ ? ops_[index].scratch : nullptr;
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
  for (int i = 0; i < model_->num_operators(); ++i) {
    if (ops_[i].kernel->reset == nullptr) continue;
    EvalContext ctx(*model_, i, tensor_data_, &error_, ops_[i].persistent, ops_[i].scratch);
    ops_[i].kernel->reset(ctx);
  }
}

Status Interpreter::invoke() {
  if (!ready_) {
    error_.clear();
    error_.add("invoke before a successful init");
    return Status::kNotReady;
  }
  for (int p = 0; p < model_->num_operators(); ++p) {
    if (stage_ != nullptr && p == stage_->first) {
      const Status status = run_stage();
      if (status != Status::kOk) return status;
      p += stage_->ops - 1;
      continue;
    }
    const int i = op_at(p);
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

namespace tinyforge {

Status Interpreter::run_stage() {
  const PatchStage& s = *stage_;
  // tensors[j]: operator j's input; tensors[ops]: the stage's output. The stage's input and output
  // exist whole, the others are band buffers; each step points its operator at its rows of them.
  int tensors[kMaxPatchOps + 1];
  uint8_t* base[kMaxPatchOps + 1];
  for (int j = 0; j <= s.ops; ++j) {
    const int op = op_at(s.first + (j < s.ops ? j : s.ops - 1));
    tensors[j] = j < s.ops ? model_->op_input(op, 0) : model_->op_output(op, 0);
    base[j] = static_cast<uint8_t*>(tensor_data_[tensors[j]]);
  }
  // A profile sees the whole stage as its first operator, and the others as empty.
  if (hook_ != nullptr) hook_(hook_user_, op_at(s.first), true);
  Status status = Status::kOk;
  BandRows rows[2];
  for (int band = 0; band < s.tiles && status == Status::kOk; ++band) {
    BandRows& now = rows[band % 2];
    const BandRows* previous = band > 0 ? &rows[1 - band % 2] : nullptr;
    band_rows(s, band, &now);
    for (int j = 0; j < s.ops && status == Status::kOk; ++j) {
      const RowGeometry& g = s.rows[j];
      const int32_t new_row = first_new_row(now, previous, j);
      const bool last = j + 1 == s.ops;
      // A band buffer starts at the band's first row: the rows the previous band computed and
      // this one needs again move to the front.
      const int32_t out_first = last ? 0 : now.begin[j + 1];
      if (!last && previous != nullptr && new_row > now.begin[j + 1]) {
        memmove(base[j + 1],
                base[j + 1] + (now.begin[j + 1] - previous->begin[j + 1]) * g.out_row_bytes,
                static_cast<size_t>(new_row - now.begin[j + 1]) * g.out_row_bytes);
      }
      if (new_row >= now.end[j + 1]) continue;
      int32_t in_begin;
      const RowBand part = row_band(s, now, j, new_row, &in_begin);
      const int32_t in_first = j == 0 ? 0 : now.begin[j];
      tensor_data_[tensors[j]] =
          base[j] + static_cast<size_t>(in_begin - in_first) * g.in_row_bytes;
      tensor_data_[tensors[j + 1]] =
          base[j + 1] + static_cast<size_t>(new_row - out_first) * g.out_row_bytes;
      const int i = op_at(s.first + j);
      EvalContext ctx(*model_, i, tensor_data_, &error_, ops_[i].persistent, ops_[i].scratch,
                      &part);
      status = ops_[i].kernel->eval(ctx);
      if (status != Status::kOk && error_.empty()) ctx.fail(status, "failed");
    }
  }
  for (int j = 0; j <= s.ops; ++j) tensor_data_[tensors[j]] = base[j];
  if (hook_ != nullptr) {
    hook_(hook_user_, op_at(s.first), false);
    for (int j = 1; j < s.ops; ++j) {
      hook_(hook_user_, op_at(s.first + j), true);
      hook_(hook_user_, op_at(s.first + j), false);
    }
  }
  return status;
}

}  // namespace tinyforge
