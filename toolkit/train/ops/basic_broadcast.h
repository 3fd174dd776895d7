// Loops over a row-major output shape with two operands broadcast into it (TFLite/NumPy rules:
// shapes align from the end, size-1 dimensions repeat). Dimensions are collapsed wherever every
// operand stays contiguous, so the common cases -- equal shapes, a per-channel [C] against
// [N,H,W,C], a scalar -- become a few long runs that Eigen vectorizes, instead of one index
// computation per element. Used by Add/Mul, and by Mean (a reduction is a broadcast read
// backwards).
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_BROADCAST_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_BROADCAST_H_

#include <cstdint>
#include <vector>

#include "toolkit/graph/tensor.h"

namespace tinyforge::train::basic {

struct BroadcastLoop {
  // Collapsed dimensions, outermost first; the last is the inner run. Strides are in elements,
  // 0 where an operand is broadcast. The output is contiguous.
  std::vector<int64_t> size, stride_a, stride_b;
  int64_t elements = 1;
};

// The caller has checked that a and b broadcast to out (graph::infer_shape does).
BroadcastLoop make_broadcast_loop(const graph::Shape& out, const graph::Shape& a,
                                  const graph::Shape& b);

// Calls run(out_offset, a_offset, b_offset, n, a_step, b_step) for every inner run of n output
// elements, in order; a_step and b_step are 0 (broadcast scalar) or 1 (contiguous).
template <typename Run>
void for_each_run(const BroadcastLoop& loop, Run&& run) {
  const size_t k = loop.size.size();
  const int64_t inner = loop.size[k - 1];
  if (inner == 0 || loop.elements == 0) return;
  std::vector<int64_t> index(k - 1, 0);
  int64_t out = 0, a = 0, b = 0;
  for (int64_t r = loop.elements / inner; r > 0; --r) {
    run(out, a, b, inner, loop.stride_a[k - 1], loop.stride_b[k - 1]);
    out += inner;
    for (size_t d = k - 1; d-- > 0;) {  // odometer over the outer dimensions
      a += loop.stride_a[d];
      b += loop.stride_b[d];
      if (++index[d] < loop.size[d]) break;
      a -= loop.stride_a[d] * loop.size[d];
      b -= loop.stride_b[d] * loop.size[d];
      index[d] = 0;
    }
  }
}

}  // namespace tinyforge::train::basic

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_BROADCAST_H_
