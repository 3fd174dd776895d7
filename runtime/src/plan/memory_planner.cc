#include "plan/memory_planner.h"

#include "kernels/kernel.h"

namespace tinyforge {
namespace {

constexpr uint32_t kUnplaced = UINT32_MAX;
constexpr uint16_t kUnscheduled = UINT16_MAX;

uint32_t align_up(uint64_t bytes) {
  return static_cast<uint32_t>((bytes + kBufferAlignment - 1) & ~uint64_t{kBufferAlignment - 1});
}

int64_t align_down(int64_t offset) {
  return offset - ((offset % kBufferAlignment) + kBufferAlignment) % kBufferAlignment;
}

int64_t align_up_signed(int64_t offset) { return -align_down(-offset); }

bool lifetimes_overlap(const PlannedBuffer& a, const PlannedBuffer& b) {
  return a.first <= b.last && b.first <= a.last;
}

uint32_t lifetime(const PlannedBuffer& b) { return static_cast<uint32_t>(b.last - b.first + 1); }

}  // namespace

size_t MemoryPlanner::work_bytes(const Model& model) {
  // For the smallest models this work area, not the activations, sets the arena's front: keep the
  // per-tensor part small.
  const size_t tensors = static_cast<size_t>(model.num_tensors());
  const size_t ops = static_cast<size_t>(model.num_operators());
  return (tensors + ops) * sizeof(PlannedBuffer) +
         ops * (sizeof(int32_t) + 2 * sizeof(uint16_t) + sizeof(uint8_t));
}

MemoryPlanner::MemoryPlanner(const Model& model, void* work, PlannerChoices choices)
    : model_(model),
      choices_(choices),
      num_tensors_(model.num_tensors()),
      num_ops_(model.num_operators()),
      num_buffers_(num_tensors_ + num_ops_),
      buffers_(static_cast<PlannedBuffer*>(work)),
      op_lead_(reinterpret_cast<int32_t*>(buffers_ + num_buffers_)),
      order_(reinterpret_cast<uint16_t*>(op_lead_ + num_ops_)),
      position_(order_ + num_ops_),
      op_in_place_(reinterpret_cast<uint8_t*>(position_ + num_ops_)) {
  for (int i = 0; i < num_buffers_; ++i)
    buffers_[i] = PlannedBuffer{0, 0, INT16_MAX, -1, -1, BufferLink::kNone, 0};
  for (int i = 0; i < num_ops_; ++i) {
    order_[i] = position_[i] = static_cast<uint16_t>(i);
    op_lead_[i] = INT32_MIN;
    op_in_place_[i] = 0;
  }
}

void MemoryPlanner::set_scratch(int op_index, size_t bytes) {
  buffers_[num_tensors_ + op_index].size = align_up(bytes);
}

void MemoryPlanner::set_in_place(int op_index, uint8_t inputs, int32_t lead) {
  if (!choices_.in_place) return;
  op_in_place_[op_index] = inputs;
  op_lead_[op_index] = lead;
}

bool MemoryPlanner::is_graph_input(int tensor) const {
  for (int k = 0; k < model_.num_inputs(); ++k)
    if (model_.input_tensor(k) == tensor) return true;
  return false;
}

int MemoryPlanner::root(int index) const {
  while (buffers_[index].link_kind == BufferLink::kAlias) index = buffers_[index].link;
  return index;
}

bool MemoryPlanner::make_order(Order order) {
  for (int i = 0; i < num_ops_; ++i) order_[i] = position_[i] = static_cast<uint16_t>(i);
  if (order == Order::kModel) return true;
  if (!choices_.reorder) return false;
  // Stateful operators communicate through variables outside the data flow: keep their order.
  for (int t = 0; t < num_tensors_; ++t)
    if (model_.tensor(t).is_variable) return false;

  // Greedy: at each step run the ready operator that adds the fewest live bytes. Until the
  // lifetimes are computed the tensor buffers' fields hold the scheduling state: `offset` counts
  // the reads not yet scheduled, `first` is 1 once the value exists.
  auto arena_bytes = [&](int t) -> int64_t {
    const TensorView v = model_.tensor(t);
    return v.is_constant || v.is_variable ? 0 : static_cast<int64_t>(v.bytes());
  };
  for (int t = 0; t < num_tensors_; ++t) {
    buffers_[t].offset = 0;
    buffers_[t].first = model_.tensor(t).is_constant ? 1 : 0;
  }
  for (int k = 0; k < model_.num_inputs(); ++k) buffers_[model_.input_tensor(k)].first = 1;
  for (int k = 0; k < model_.num_outputs(); ++k) ++buffers_[model_.output_tensor(k)].offset;
  for (int i = 0; i < num_ops_; ++i) {
    for (int k = 0; k < model_.op_num_inputs(i); ++k)
      if (model_.op_input(i, k) >= 0) ++buffers_[model_.op_input(i, k)].offset;
    position_[i] = kUnscheduled;
  }
  for (int step = 0; step < num_ops_; ++step) {
    int chosen = -1;
    int64_t chosen_growth = 0;
    for (int i = 0; i < num_ops_; ++i) {
      if (position_[i] != kUnscheduled) continue;
      bool ready = true;
      int64_t growth = 0;
      for (int k = 0; k < model_.op_num_inputs(i) && ready; ++k) {
        const int t = model_.op_input(i, k);
        if (t < 0) continue;
        ready = buffers_[t].first == 1;
        int uses = 0, earlier = 0;
        for (int j = 0; j < model_.op_num_inputs(i); ++j) {
          uses += model_.op_input(i, j) == t;
          earlier += j < k && model_.op_input(i, j) == t;
        }
        if (earlier == 0 && static_cast<uint32_t>(uses) == buffers_[t].offset)
          growth -= arena_bytes(t);
      }
      if (!ready) continue;
      for (int k = 0; k < model_.op_num_outputs(i); ++k)
        growth += arena_bytes(model_.op_output(i, k));
      if (chosen < 0 || growth < chosen_growth) {
        chosen = i;
        chosen_growth = growth;
      }
    }
    if (chosen < 0) return false;  // not a DAG in model order; verified models never get here
    order_[step] = static_cast<uint16_t>(chosen);
    position_[chosen] = static_cast<uint16_t>(step);
    for (int k = 0; k < model_.op_num_inputs(chosen); ++k)
      if (model_.op_input(chosen, k) >= 0) --buffers_[model_.op_input(chosen, k)].offset;
    for (int k = 0; k < model_.op_num_outputs(chosen); ++k)
      buffers_[model_.op_output(chosen, k)].first = 1;
  }
  return reordered();
}

bool MemoryPlanner::reordered() const {
  for (int i = 0; i < num_ops_; ++i)
    if (order_[i] != i) return true;
  return false;
}

void MemoryPlanner::compute_lifetimes() {
  for (int t = 0; t < num_tensors_; ++t) {
    PlannedBuffer& b = buffers_[t];
    b.first = INT16_MAX;
    b.last = -1;
    b.offset = 0;
    b.link = -1;
    b.link_kind = BufferLink::kNone;
  }
  auto touch = [&](int t, int position) {
    PlannedBuffer& b = buffers_[t];
    if (position < b.first) b.first = static_cast<int16_t>(position);
    if (position > b.last) b.last = static_cast<int16_t>(position);
  };
  for (int k = 0; k < model_.num_inputs(); ++k) touch(model_.input_tensor(k), 0);
  for (int p = 0; p < num_ops_; ++p) {
    const int op = order_[p];
    for (int k = 0; k < model_.op_num_inputs(op); ++k) {
      const int t = model_.op_input(op, k);
      if (t >= 0) touch(t, p);
    }
    for (int k = 0; k < model_.op_num_outputs(op); ++k) touch(model_.op_output(op, k), p);
    PlannedBuffer& scratch = buffers_[num_tensors_ + op];
    scratch.first = scratch.last = static_cast<int16_t>(p);
  }
  const int end = num_ops_ > 0 ? num_ops_ - 1 : 0;
  for (int k = 0; k < model_.num_outputs(); ++k) touch(model_.output_tensor(k), end);
  for (int t = 0; t < num_tensors_; ++t) {
    const TensorView v = model_.tensor(t);
    PlannedBuffer& b = buffers_[t];
    b.size = v.is_constant || v.is_variable || b.last < 0 ? 0 : align_up(v.bytes());
  }
  apply_stage();
}

void MemoryPlanner::apply_stage() {
  if (stage_.ops == 0) return;
  const int16_t p0 = stage_.first, p1 = static_cast<int16_t>(stage_.first + stage_.ops - 1);
  const int in = model_.op_input(order_[p0], 0);
  if (buffers_[in].last < p1) buffers_[in].last = p1;
  for (int j = 0; j < stage_.ops; ++j) {
    const int op = order_[p0 + j];
    PlannedBuffer& out = buffers_[model_.op_output(op, 0)];
    out.first = p0;
    if (j + 1 < stage_.ops) {
      out.size = align_up(band_buffer_bytes(stage_, j));
      out.last = p1;
    }
    // Every operator of the stage runs once per band, so its scratch is needed throughout.
    PlannedBuffer& scratch = buffers_[num_tensors_ + op];
    scratch.first = p0;
    scratch.last = p1;
  }
}

bool MemoryPlanner::is_graph_output(int tensor) const {
  for (int k = 0; k < model_.num_outputs(); ++k)
    if (model_.output_tensor(k) == tensor) return true;
  return false;
}

int MemoryPlanner::readers(int tensor) const {
  int count = 0;
  for (int i = 0; i < num_ops_; ++i)
    for (int k = 0; k < model_.op_num_inputs(i); ++k) count += model_.op_input(i, k) == tensor;
  return count;
}

int MemoryPlanner::chain_length(int p0, PatchStage* stage) const {
  int n = 0;
  for (int p = p0; p < num_ops_ && n < kMaxPatchOps; ++p, ++n) {
    const int op = order_[p];
    if (!row_geometry(model_, op, &stage->rows[n])) break;
    if (n == 0) continue;
    // The previous output exists only in bands: this operator must be its one reader.
    const int link = model_.op_output(order_[p - 1], 0);
    if (model_.op_input(op, 0) != link || readers(link) != 1 || is_graph_output(link)) break;
  }
  return n;
}

void MemoryPlanner::choose_stage(int placement, uint32_t* peak) {
  // Band counts tried for the stage's output rows.
  static constexpr int16_t kTiles[] = {2, 3, 4, 6, 8, 12, 16, 24, 32, 48};
  PatchStage best{};
  PatchStage candidate{};
  // Each band repeats its kernels' set-up: a stage must take a sixteenth off the peak.
  uint32_t best_peak = *peak - *peak / 16;
  for (int p0 = 0; p0 < num_ops_; ++p0) {
    // Stages start where a chain starts: the high-resolution layers come first in it.
    if (p0 > 0 && chain_length(p0 - 1, &candidate) >= 2) continue;
    const int length = chain_length(p0, &candidate);
    candidate.first = static_cast<int16_t>(p0);
    for (int ops = 2; ops <= length; ++ops) {
      candidate.ops = static_cast<int16_t>(ops);
      for (const int16_t tiles : kTiles) {
        if (tiles > candidate.rows[ops - 1].out_h) break;
        candidate.tiles = tiles;
        stage_ = candidate;
        compute_lifetimes();
        link_in_place();
        const uint32_t stage_peak =
            place(static_cast<Placement>(placement / 2), placement % 2 == 1);
        // Among equal peaks the first, with the fewest operators and bands.
        if (stage_peak < best_peak) {
          best_peak = stage_peak;
          best = candidate;
        }
      }
    }
  }
  if (best.ops > 0) *peak = best_peak;
  stage_ = best;
}

void MemoryPlanner::compute_live_set() {
  live_set_bytes_ = 0;
  live_set_peak_op_ = -1;
  for (int p = 0; p < num_ops_; ++p) {
    uint32_t live = 0;
    for (int k = 0; k < num_buffers_; ++k) {
      const PlannedBuffer& b = buffers_[k];
      if (b.size > 0 && b.first <= p && p <= b.last) live += b.size;
    }
    if (live > live_set_bytes_) {
      live_set_bytes_ = live;
      live_set_peak_op_ = order_[p];
    }
  }
}

void MemoryPlanner::alias_output(int position, int op) {
  if (model_.op_num_inputs(op) < 1) return;
  const int in = model_.op_input(op, 0);
  const int out = model_.op_output(op, 0);
  if (in < 0 || (buffers_[in].size == 0 && buffers_[in].link_kind != BufferLink::kAlias)) return;
  if (buffers_[out].size == 0 || is_graph_input(out)) return;
  const int r = root(in);
  // The input's memory may be taken over only if nothing reads it after this operator.
  if (buffers_[r].last != position || buffers_[r].size < buffers_[out].size) return;
  buffers_[r].last = buffers_[out].last;
  buffers_[out].link = static_cast<int16_t>(r);
  buffers_[out].link_kind = BufferLink::kAlias;
  buffers_[out].size = 0;
}

void MemoryPlanner::overwrite_input(int position, int op) {
  if (model_.op_num_outputs(op) < 1) return;
  const int out = model_.op_output(op, 0);
  PlannedBuffer& o = buffers_[out];
  if (op_in_place_[op] == 0 || o.size == 0 || is_graph_input(out)) return;
  int chosen = -1;
  for (int k = 0; k < model_.op_num_inputs(op) && k < 8; ++k) {
    const int t = model_.op_input(op, k);
    if ((op_in_place_[op] & (1u << k)) == 0 || t < 0) continue;
    const int r = root(t);
    // Graph inputs keep their values; the memory must die here (a graph output aliasing it
    // would keep it alive to the end, where this could be the last operator).
    bool usable = buffers_[r].size > 0 && buffers_[r].last == position && !is_graph_input(r);
    for (int j = 0; j < model_.num_outputs() && usable; ++j)
      usable = root(model_.output_tensor(j)) != r;
    // Another operand reading the same memory under a different shape would see it change.
    for (int j = 0; j < model_.op_num_inputs(op) && usable; ++j) {
      const int u = model_.op_input(op, j);
      usable = u < 0 || u == t || root(u) != r;
    }
    if (usable && (chosen < 0 || buffers_[r].size > buffers_[chosen].size)) chosen = r;
  }
  if (chosen < 0) return;
  o.link = static_cast<int16_t>(chosen);
  o.link_kind = BufferLink::kOverwrites;
}

void MemoryPlanner::link_in_place() {
  for (int p = 0; p < num_ops_; ++p) {
    // Operators of a stage read and write bands, never over each other.
    if (position_in_stage(p)) continue;
    const int op = order_[p];
    if (model_.op_kernel(op)->output_may_alias_input)
      alias_output(p, op);
    else
      overwrite_input(p, op);
  }
}

bool MemoryPlanner::overlap_allowed(int a, int64_t a_offset, int b) const {
  // One operator of a stage runs at a time: they can share scratch memory.
  if (stage_scratch(a) && stage_scratch(b)) return true;
  const PlannedBuffer &x = buffers_[a], &y = buffers_[b];
  if (x.link_kind == BufferLink::kOverwrites && x.link == b)
    return a_offset + lead_of(a) <= y.offset;
  if (y.link_kind == BufferLink::kOverwrites && y.link == a)
    return static_cast<int64_t>(y.offset) + lead_of(b) <= a_offset;
  return false;
}

bool MemoryPlanner::fits(int index, int64_t offset) const {
  const PlannedBuffer& cur = buffers_[index];
  for (int q = 0; q < num_buffers_; ++q) {
    const PlannedBuffer& other = buffers_[q];
    if (q == index || other.size == 0 || other.offset == kUnplaced) continue;
    if (!lifetimes_overlap(cur, other)) continue;
    const bool disjoint = offset + cur.size <= other.offset || other.offset + other.size <= offset;
    if (!disjoint && !overlap_allowed(index, offset, q)) return false;
  }
  return true;
}

bool MemoryPlanner::placed_before(Placement placement, int a, int b) const {
  const PlannedBuffer &x = buffers_[a], &y = buffers_[b];
  // Up to three keys per strategy, larger first.
  auto keys = [placement](const PlannedBuffer& p, int64_t* k) {
    const int64_t size = p.size, length = lifetime(p), first = p.first, last = p.last;
    switch (placement) {
      case Placement::kLargest:
        k[0] = size, k[1] = -first, k[2] = 0;
        break;
      case Placement::kLargestLatest:
        k[0] = size, k[1] = last, k[2] = 0;
        break;
      case Placement::kEarliest:
        k[0] = -first, k[1] = size, k[2] = 0;
        break;
      case Placement::kLatest:
        k[0] = last, k[1] = size, k[2] = 0;
        break;
      case Placement::kLongest:
        k[0] = length, k[1] = size, k[2] = 0;
        break;
      case Placement::kLongestLatest:
        k[0] = length, k[1] = last, k[2] = size;
        break;
      default:
        k[0] = size * length, k[1] = size, k[2] = 0;
        break;
    }
  };
  int64_t kx[3], ky[3];
  keys(x, kx);
  keys(y, ky);
  for (int i = 0; i < 3; ++i)
    if (kx[i] != ky[i]) return kx[i] > ky[i];
  return a < b;
}

int MemoryPlanner::next_to_place(Placement placement, bool follow_chains) const {
  auto placed = [&](int k) { return buffers_[k].offset != kUnplaced; };
  auto better = [&](int k, int best) { return best < 0 || placed_before(placement, k, best); };
  int best = -1;
  if (follow_chains) {
    for (int k = 0; k < num_buffers_; ++k) {
      const PlannedBuffer& b = buffers_[k];
      if (b.size == 0 || b.link_kind != BufferLink::kOverwrites) continue;
      // One end of the link placed, the other not: that other one is next.
      if (placed(k) && !placed(b.link) && better(b.link, best)) best = b.link;
      if (!placed(k) && placed(b.link) && better(k, best)) best = k;
    }
    if (best >= 0) return best;
  }
  for (int k = 0; k < num_buffers_; ++k) {
    if (buffers_[k].size > 0 && !placed(k) && better(k, best)) best = k;
  }
  return best;
}

uint32_t MemoryPlanner::place(Placement placement, bool follow_chains) {
  // Greedy: each buffer in the strategy's priority at the lowest offset that collides with no
  // placed buffer whose lifetime overlaps (other than the input it may overwrite).
  for (int k = 0; k < num_buffers_; ++k)
    if (buffers_[k].size > 0) buffers_[k].offset = kUnplaced;
  uint32_t peak = 0;
  for (int index = next_to_place(placement, follow_chains); index >= 0;
       index = next_to_place(placement, follow_chains)) {
    PlannedBuffer& cur = buffers_[index];
    int64_t best = INT64_MAX;
    auto consider = [&](int64_t candidate) {
      if (candidate >= 0 && candidate < best && fits(index, candidate)) best = candidate;
    };
    consider(0);
    for (int q = 0; q < num_buffers_; ++q) {
      const PlannedBuffer& other = buffers_[q];
      if (q == index || other.size == 0 || other.offset == kUnplaced) continue;
      if (!lifetimes_overlap(cur, other)) continue;
      consider(int64_t{other.offset} + other.size);
      if (stage_scratch(index) && stage_scratch(q)) consider(other.offset);
      if (cur.link_kind == BufferLink::kOverwrites && cur.link == q) {
        consider(align_down(int64_t{other.offset} - lead_of(index)));
        consider(other.offset);
      }
      if (other.link_kind == BufferLink::kOverwrites && other.link == index) {
        consider(align_up_signed(int64_t{other.offset} + lead_of(q)));
        consider(other.offset);
      }
    }
    cur.offset = static_cast<uint32_t>(best);
    if (cur.offset + cur.size > peak) peak = cur.offset + cur.size;
  }
  return peak;
}

uint32_t MemoryPlanner::plan() {
  uint32_t best_peak = UINT32_MAX;
  Order best_order = Order::kModel;
  int best_placement = 0;
  // Every order with every placement strategy, with and without following in-place chains.
  const int placements = 2 * static_cast<int>(Placement::kCount);
  auto run = [&](int placement) {
    return place(static_cast<Placement>(placement / 2), placement % 2 == 1);
  };
  // Every placement of the current order and lifetimes; true if one beat best_peak (kept).
  auto try_placements = [&]() {
    bool better = false;
    for (int p = 0; p < placements; ++p) {
      const uint32_t peak = run(p);
      if (peak < best_peak) {
        best_peak = peak;
        best_placement = p;
        better = true;
      }
    }
    return better;
  };
  stage_ = PatchStage{};
  for (int o = 0; o < static_cast<int>(Order::kCount); ++o) {
    if (!make_order(static_cast<Order>(o))) continue;
    compute_lifetimes();
    link_in_place();
    if (try_placements()) best_order = static_cast<Order>(o);
  }
  make_order(best_order);
  if (kWithPatches && choices_.patches && best_peak != UINT32_MAX) {
    choose_stage(best_placement, &best_peak);
    // The other placement strategies for the chosen stage.
    if (stage_.ops > 0) {
      compute_lifetimes();
      link_in_place();
      try_placements();
    }
  }
  // The live set is the layer-by-layer one, which a stage goes below.
  const PatchStage stage = stage_;
  stage_ = PatchStage{};
  compute_lifetimes();
  compute_live_set();
  stage_ = stage;
  compute_lifetimes();
  link_in_place();
  return run(best_placement);
}

int MemoryPlanner::in_place_ops() const {
  int count = 0;
  for (int t = 0; t < num_tensors_; ++t) {
    const PlannedBuffer& b = buffers_[t];
    if (b.link_kind == BufferLink::kAlias) ++count;
    if (b.link_kind != BufferLink::kOverwrites) continue;
    const PlannedBuffer& in = buffers_[b.link];
    count += b.offset < in.offset + in.size && in.offset < b.offset + b.size;
  }
  return count;
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
