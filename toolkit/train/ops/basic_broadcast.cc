#include "toolkit/train/ops/basic_broadcast.h"

#include "toolkit/host/error.h"

namespace tinyforge::train::basic {
namespace {

// Strides of `operand` read along `out`'s dimensions: contiguous where the sizes match, 0 where
// the operand has 1 (or lacks the dimension).
std::vector<int64_t> broadcast_strides(const graph::Shape& out, const graph::Shape& operand) {
  const size_t rank = out.size();
  if (operand.size() > rank)
    throw host::Error("broadcast: " + graph::shape_string(operand) + " has more dimensions than " +
                      graph::shape_string(out));
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < operand.size(); ++i) {
    const size_t d = rank - 1 - i;
    const int64_t size = operand[operand.size() - 1 - i];
    if (size == out[d]) {
      strides[d] = size == 1 ? 0 : stride;
    } else if (size != 1) {
      throw host::Error("broadcast: cannot broadcast " + graph::shape_string(operand) + " to " +
                        graph::shape_string(out));
    }
    stride *= size;
  }
  return strides;
}

}  // namespace

BroadcastLoop make_broadcast_loop(const graph::Shape& out, const graph::Shape& a,
                                  const graph::Shape& b) {
  const std::vector<int64_t> sa = broadcast_strides(out, a), sb = broadcast_strides(out, b);
  BroadcastLoop loop;
  loop.elements = graph::num_elements(out);
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;  // size-1 dimensions move nothing
    // Merge into the previous dimension when both operands step through it contiguously (or
    // both repeat it): then the two dimensions are one longer dimension.
    if (!loop.size.empty() && loop.stride_a.back() == sa[d] * out[d] &&
        loop.stride_b.back() == sb[d] * out[d]) {
      loop.size.back() *= out[d];
      loop.stride_a.back() = sa[d];
      loop.stride_b.back() = sb[d];
      continue;
    }
    loop.size.push_back(out[d]);
    loop.stride_a.push_back(sa[d]);
    loop.stride_b.push_back(sb[d]);
  }
  if (loop.size.empty()) {  // a scalar, or all dimensions 1
    loop.size = {1};
    loop.stride_a = {0};
    loop.stride_b = {0};
  }
  return loop;
}

}  // namespace tinyforge::train::basic
