// Memory planning: tensor lifetimes over the execution order, in-place aliasing for the reshape
// family, and greedy offsets so that buffers live at the same time never overlap.
#ifndef TINYFORGE_PLAN_MEMORY_PLANNER_H_
#define TINYFORGE_PLAN_MEMORY_PLANNER_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/model.h"

namespace tinyforge {

constexpr uint32_t kBufferAlignment = 8;

// One buffer to place: a tensor (index = tensor index) or an operator's scratch
// (index = num_tensors + operator index).
struct PlannedBuffer {
  uint32_t size;    // bytes, aligned; 0 = nothing to place (constant, variable, unused, alias)
  uint32_t offset;  // from the start of the planned region
  int16_t first;    // first operator that needs the memory
  int16_t last;     // last operator that needs the memory
  int16_t alias;    // >= 0: shares the memory of that buffer (in-place)
  int16_t unused_;
};

class MemoryPlanner {
 public:
  static size_t work_bytes(const Model& model);

  // `work` holds work_bytes(); scratch sizes are set with set_scratch() before plan().
  MemoryPlanner(const Model& model, void* work);

  void set_scratch(int op_index, size_t bytes);
  // Computes lifetimes and offsets; returns the planned region's size.
  uint32_t plan();

  // Largest sum of tensor and scratch sizes live at one operator, before any in-place reuse.
  uint32_t live_set_bytes() const { return live_set_bytes_; }
  int live_set_peak_op() const { return live_set_peak_op_; }

  // Offset of a tensor's (or scratch's) memory after plan(), or -1 if it has none.
  int64_t tensor_offset(int tensor_index) const;
  int64_t scratch_offset(int op_index) const;
  const PlannedBuffer& buffer(int index) const { return buffers_[index]; }
  int num_buffers() const { return num_buffers_; }

 private:
  void compute_lifetimes();
  void compute_live_set();
  void apply_aliases();
  uint32_t place();
  int root(int index) const;

  const Model& model_;
  int num_tensors_;
  int num_ops_;
  int num_buffers_;
  PlannedBuffer* buffers_;
  uint16_t* order_;
  uint32_t live_set_bytes_ = 0;
  int live_set_peak_op_ = -1;
};

}  // namespace tinyforge

#endif  // TINYFORGE_PLAN_MEMORY_PLANNER_H_
