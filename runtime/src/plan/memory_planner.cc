#include "plan/memory_planner.h"

#include "kernels/kernel.h"

namespace tinyforge {
namespace {

uint32_t align_up(uint64_t bytes) {
  return static_cast<uint32_t>((bytes + kBufferAlignment - 1) & ~uint64_t{kBufferAlignment - 1});
}

bool lifetimes_overlap(const PlannedBuffer& a, const PlannedBuffer& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

size_t MemoryPlanner::work_bytes(const Model& model) {
  const size_t n = static_cast<size_t>(model.num_tensors()) + model.num_operators();
  return n * (sizeof(PlannedBuffer) + sizeof(uint16_t)) + sizeof(PlannedBuffer);
}

MemoryPlanner::MemoryPlanner(const Model& model, void* work)
    : model_(model),
      num_tensors_(model.num_tensors()),
      num_ops_(model.num_operators()),
      num_buffers_(num_tensors_ + num_ops_),
      buffers_(static_cast<PlannedBuffer*>(work)),
      order_(reinterpret_cast<uint16_t*>(buffers_ + num_buffers_)) {
  for (int i = 0; i < num_buffers_; ++i) buffers_[i] = PlannedBuffer{0, 0, INT16_MAX, -1, -1, 0};
}

void MemoryPlanner::set_scratch(int op_index, size_t bytes) {
  PlannedBuffer& b = buffers_[num_tensors_ + op_index];
  b.size = align_up(bytes);
  b.first = b.last = static_cast<int16_t>(op_index);
}

void MemoryPlanner::compute_lifetimes() {
  auto touch = [&](int t, int op) {
    PlannedBuffer& b = buffers_[t];
    if (op < b.first) b.first = static_cast<int16_t>(op);
    if (op > b.last) b.last = static_cast<int16_t>(op);
  };
  for (int k = 0; k < model_.num_inputs(); ++k) touch(model_.input_tensor(k), 0);
  for (int i = 0; i < num_ops_; ++i) {
    for (int k = 0; k < model_.op_num_inputs(i); ++k) {
      const int t = model_.op_input(i, k);
      if (t >= 0) touch(t, i);
    }
    for (int k = 0; k < model_.op_num_outputs(i); ++k) touch(model_.op_output(i, k), i);
  }
  const int end = num_ops_ > 0 ? num_ops_ - 1 : 0;
  for (int k = 0; k < model_.num_outputs(); ++k) touch(model_.output_tensor(k), end);
  for (int t = 0; t < num_tensors_; ++t) {
    const TensorView v = model_.tensor(t);
    PlannedBuffer& b = buffers_[t];
    if (v.is_constant || v.is_variable || b.last < 0) {
      b.size = 0;
      continue;
    }
    b.size = align_up(v.bytes());
  }
}

void MemoryPlanner::compute_live_set() {
  for (int i = 0; i < num_ops_; ++i) {
    uint32_t live = 0;
    for (int k = 0; k < num_buffers_; ++k) {
      const PlannedBuffer& b = buffers_[k];
      if (b.size > 0 && b.first <= i && i <= b.last) live += b.size;
    }
    if (live > live_set_bytes_) {
      live_set_bytes_ = live;
      live_set_peak_op_ = i;
    }
  }
}

int MemoryPlanner::root(int index) const {
  while (buffers_[index].alias >= 0) index = buffers_[index].alias;
  return index;
}

void MemoryPlanner::apply_aliases() {
  for (int i = 0; i < num_ops_; ++i) {
    const KernelRegistration* kernel = model_.op_kernel(i);
    if (!kernel->output_may_alias_input || model_.op_num_inputs(i) < 1) continue;
    const int in = model_.op_input(i, 0);
    const int out = model_.op_output(i, 0);
    if (in < 0 || (buffers_[in].size == 0 && buffers_[in].alias < 0)) continue;
    if (buffers_[out].size == 0) continue;
    bool out_is_graph_input = false;
    for (int k = 0; k < model_.num_inputs(); ++k)
      out_is_graph_input |= model_.input_tensor(k) == out;
    const int r = root(in);
    // The input's memory may be taken over only if nothing reads it after this operator.
    if (out_is_graph_input || buffers_[r].last != i || buffers_[r].size < buffers_[out].size) {
      continue;
    }
    buffers_[r].last = buffers_[out].last;
    buffers_[out].alias = static_cast<int16_t>(r);
    buffers_[out].size = 0;
  }
}

uint32_t MemoryPlanner::place() {
  // Largest first (ties: earliest first); each at the lowest offset that collides with no placed
  // buffer whose lifetime overlaps.
  int n = 0;
  for (int k = 0; k < num_buffers_; ++k) {
    if (buffers_[k].size > 0) order_[n++] = static_cast<uint16_t>(k);
  }
  for (int a = 1; a < n; ++a) {
    const uint16_t key = order_[a];
    int b = a - 1;
    auto before = [&](uint16_t x, uint16_t y) {
      const PlannedBuffer &bx = buffers_[x], &by = buffers_[y];
      return bx.size != by.size ? bx.size > by.size
                                : (bx.first != by.first ? bx.first < by.first : x < y);
    };
    while (b >= 0 && before(key, order_[b])) {
      order_[b + 1] = order_[b];
      --b;
    }
    order_[b + 1] = key;
  }
  uint32_t peak = 0;
  for (int p = 0; p < n; ++p) {
    PlannedBuffer& cur = buffers_[order_[p]];
    uint32_t best = UINT32_MAX;
    for (int c = -1; c < p; ++c) {
      uint32_t candidate = 0;
      if (c >= 0) {
        const PlannedBuffer& other = buffers_[order_[c]];
        if (!lifetimes_overlap(cur, other)) continue;
        candidate = other.offset + other.size;
      }
      if (candidate >= best) continue;
      bool fits = true;
      for (int q = 0; q < p && fits; ++q) {
        const PlannedBuffer& other = buffers_[order_[q]];
        if (!lifetimes_overlap(cur, other)) continue;
        fits = candidate + cur.size <= other.offset || other.offset + other.size <= candidate;
      }
      if (fits) best = candidate;
    }
    cur.offset = best;
    if (best + cur.size > peak) peak = best + cur.size;
  }
  return peak;
}

uint32_t MemoryPlanner::plan() {
  compute_lifetimes();
  compute_live_set();
  apply_aliases();
  return place();
}

int64_t MemoryPlanner::tensor_offset(int tensor_index) const {
  const int r = root(tensor_index);
  return buffers_[r].size == 0 ? -1 : static_cast<int64_t>(buffers_[r].offset);
}

int64_t MemoryPlanner::scratch_offset(int op_index) const {
  const PlannedBuffer& b = buffers_[num_tensors_ + op_index];
  return b.size == 0 ? -1 : static_cast<int64_t>(b.offset);
}

}  // namespace tinyforge
