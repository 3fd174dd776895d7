// Memory planning: an execution order, exact tensor lifetimes over it, in-place execution (the
// reshape family shares its input's memory; kernels that allow it write their output over a
// dying input) and offsets such that buffers live at the same time never overlap, except an
// output over the input it may overwrite.
#ifndef TINYFORGE_PLAN_MEMORY_PLANNER_H_
#define TINYFORGE_PLAN_MEMORY_PLANNER_H_

#include <stddef.h>
#include <stdint.h>

#include "plan/patch_stage.h"
#include "tinyforge/model.h"

namespace tinyforge {

constexpr uint32_t kBufferAlignment = 8;

enum class BufferLink : uint8_t {
  kNone,
  kAlias,       // shares the memory of `link` (size 0 here)
  kOverwrites,  // may overlap `link`, which dies where this is born, if it starts the producing
                // operator's lead before it
};

// One buffer to place: a tensor (index = tensor index) or an operator's scratch
// (index = num_tensors + operator index).
struct PlannedBuffer {
  uint32_t size;    // bytes, aligned; 0 = nothing to place (constant, variable, unused, alias)
  uint32_t offset;  // from the start of the planned region
  int16_t first;    // first position in the execution order that needs the memory
  int16_t last;     // last such position
  int16_t link;
  BufferLink link_kind;
  uint8_t unused_;
};

struct PlannerChoices {
  bool in_place = true;
  bool reorder = true;
  bool patches = true;  // a patch stage (plan/patch_stage.h) where it lowers the peak
};

class MemoryPlanner {
 public:
  static size_t work_bytes(const Model& model);

  // `work` holds work_bytes(); scratch sizes and in-place offers are set before plan().
  MemoryPlanner(const Model& model, void* work, PlannerChoices choices = PlannerChoices());

  void set_scratch(int op_index, size_t bytes);
  void set_in_place(int op_index, uint8_t inputs, int32_t lead);
  // Chooses the order and offsets; returns the planned region's size.
  uint32_t plan();

  // Largest sum of tensor and scratch sizes live at one operator of the chosen order, before any
  // in-place reuse.
  uint32_t live_set_bytes() const { return live_set_bytes_; }
  int live_set_peak_op() const { return live_set_peak_op_; }
  // Operators whose output shares memory with one of their inputs in the plan.
  int in_place_ops() const;
  // The patch stage of the plan (ops 0: none). Its inner tensors' offsets are their band buffers'.
  const PatchStage& patch_stage() const { return stage_; }

  // The operator executed at `position`; reordered() says whether that differs from the model.
  int op_at(int position) const { return order_[position]; }
  bool reordered() const;

  // Offset of a tensor's (or scratch's) memory after plan(), or -1 if it has none.
  int64_t tensor_offset(int tensor_index) const;
  int64_t scratch_offset(int op_index) const;
  const PlannedBuffer& buffer(int index) const { return buffers_[index]; }
  int num_buffers() const { return num_buffers_; }

 private:
  enum class Order : uint8_t { kModel, kLeastLive, kCount };
  // Which buffer to place next, by the first differing key. Ties broken by the last use put an
  // in-place output before the input it overwrites: the input then goes right above it.
  enum class Placement : uint8_t {
    kLargest,
    kLargestLatest,
    kEarliest,
    kLatest,
    kLongest,
    kLongestLatest,
    kLargestArea,
    kCount
  };

  bool make_order(Order order);
  void compute_lifetimes();
  // Lifetimes and sizes under stage_: the inner tensors shrink to band buffers live across the
  // stage, its input lives to its end and its output from its start.
  void apply_stage();
  // Operators from position p0 on that can form a stage (rows filled in `stage`), at most
  // kMaxPatchOps.
  int chain_length(int p0, PatchStage* stage) const;
  bool position_in_stage(int position) const {
    return stage_.ops > 0 && position >= stage_.first && position < stage_.first + stage_.ops;
  }
  bool stage_scratch(int index) const {
    return index >= num_tensors_ && position_in_stage(position_[index - num_tensors_]);
  }
  // With the order and placement strategy chosen without a stage, the stage and tile count that
  // lower `*peak` the most; sets stage_.
  void choose_stage(int placement, uint32_t* peak);
  int readers(int tensor) const;
  bool is_graph_output(int tensor) const;
  void compute_live_set();
  void link_in_place();
  void alias_output(int position, int op);
  void overwrite_input(int position, int op);
  // `follow_chains`: after a buffer, the in-place partners it is linked with come next, so a
  // chain's staircase is decided together.
  uint32_t place(Placement placement, bool follow_chains);
  int next_to_place(Placement placement, bool follow_chains) const;
  bool placed_before(Placement placement, int a, int b) const;
  bool fits(int index, int64_t offset) const;
  bool overlap_allowed(int a, int64_t a_offset, int b) const;
  bool is_graph_input(int tensor) const;
  // The lead of the operator that produced buffer `index` (an in-place output).
  int32_t lead_of(int index) const { return op_lead_[order_[buffers_[index].first]]; }
  int root(int index) const;

  const Model& model_;
  PlannerChoices choices_;
  int num_tensors_;
  int num_ops_;
  int num_buffers_;
  PlannedBuffer* buffers_;
  int32_t* op_lead_;      // per operator, as offered by its kernel
  uint16_t* order_;       // position -> operator
  uint16_t* position_;    // operator -> position
  uint8_t* op_in_place_;  // per operator: the inputs output 0 may overwrite
  uint32_t live_set_bytes_ = 0;
  int live_set_peak_op_ = -1;
  PatchStage stage_{};
};

}  // namespace tinyforge

#endif  // TINYFORGE_PLAN_MEMORY_PLANNER_H_
