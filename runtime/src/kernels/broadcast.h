// TFLite (numpy) broadcasting for elementwise binary operators, up to rank 6.
//
// Shapes are aligned on their trailing dimensions; a dimension of 1 stretches to the other
// operand's extent. prepare() builds a BroadcastShape once (checking the output shape), and
// eval() walks it with broadcast_apply(). Dimensions of extent 1 are dropped and neighbouring
// dimensions that broadcast the same way are merged, so the innermost loop is as long as
// possible (a plain elementwise operation becomes one loop).
#ifndef TINYFORGE_KERNELS_BROADCAST_H_
#define TINYFORGE_KERNELS_BROADCAST_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/tensor.h"

namespace tinyforge {

struct BroadcastShape {
  int rank = 0;                     // merged rank, 1..kMaxRank; 0 when the output is empty
  int64_t dims[kMaxRank] = {};      // output extents, outermost first
  int64_t stride_a[kMaxRank] = {};  // element stride of operand a per dimension (0: broadcast)
  int64_t stride_b[kMaxRank] = {};
};

enum class BroadcastCheck {
  kOk,
  kRankTooLarge,    // an operand or the output has rank above kMaxRank
  kIncompatible,    // the operands' shapes do not broadcast
  kOutputMismatch,  // the output shape is not the broadcast shape
};

// Checks that `a` and `b` broadcast to exactly `out` and fills `shape`.
inline BroadcastCheck make_broadcast_shape(const TensorView& a, const TensorView& b,
                                           const TensorView& out, BroadcastShape* shape) {
  if (a.rank > kMaxRank || b.rank > kMaxRank || out.rank > kMaxRank)
    return BroadcastCheck::kRankTooLarge;
  const int rank = a.rank > b.rank ? a.rank : b.rank;
  // Extend both operands to `rank` dimensions with leading ones.
  int64_t da[kMaxRank], db[kMaxRank], dout[kMaxRank];
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank), ib = i - (rank - b.rank);
    da[i] = ia >= 0 ? a.dims[ia] : 1;
    db[i] = ib >= 0 ? b.dims[ib] : 1;
    if (da[i] < 0 || db[i] < 0) return BroadcastCheck::kIncompatible;
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) return BroadcastCheck::kIncompatible;
    dout[i] = da[i] == 1 ? db[i] : da[i];
  }
  if (out.rank != rank) return BroadcastCheck::kOutputMismatch;
  for (int i = 0; i < rank; ++i)
    if (out.dims[i] != dout[i]) return BroadcastCheck::kOutputMismatch;

  *shape = BroadcastShape();
  for (int i = 0; i < rank; ++i)
    if (dout[i] == 0) return BroadcastCheck::kOk;  // empty output: nothing to compute

  // Contiguous strides of each operand in its extended shape, zeroed where it broadcasts.
  int64_t sa[kMaxRank], sb[kMaxRank];
  int64_t next_a = 1, next_b = 1;
  for (int i = rank - 1; i >= 0; --i) {
    sa[i] = da[i] == 1 ? 0 : next_a;
    sb[i] = db[i] == 1 ? 0 : next_b;
    next_a *= da[i];
    next_b *= db[i];
  }
  // Drop extent-1 dimensions; merge a dimension into the previous kept one when both operands
  // broadcast the same way across the pair (then the outer stride is inner stride * extent).
  int n = 0;
  for (int i = 0; i < rank; ++i) {
    if (dout[i] == 1) continue;
    if (n > 0) {
      const int p = n - 1;
      const bool same_a = (shape->stride_a[p] == 0) == (sa[i] == 0);
      const bool same_b = (shape->stride_b[p] == 0) == (sb[i] == 0);
      if (same_a && same_b) {
        shape->dims[p] *= dout[i];
        shape->stride_a[p] = sa[i];
        shape->stride_b[p] = sb[i];
        continue;
      }
    }
    shape->dims[n] = dout[i];
    shape->stride_a[n] = sa[i];
    shape->stride_b[n] = sb[i];
    ++n;
  }
  if (n == 0) {  // every extent is 1: a single element
    shape->dims[0] = 1;
    n = 1;
  }
  shape->rank = n;
  return BroadcastCheck::kOk;
}

inline const char* broadcast_check_message(BroadcastCheck check) {
  switch (check) {
    case BroadcastCheck::kRankTooLarge:
      return "tensor rank above 6 is not supported";
    case BroadcastCheck::kIncompatible:
      return "input shapes are not broadcast-compatible";
    case BroadcastCheck::kOutputMismatch:
      return "output shape is not the broadcast shape of the inputs";
    default:
      return "";
  }
}

// out[i] = op(a[ia], b[ib]) over the broadcast shape. `op` is any callable taking (A, B)
// and returning Out.
template <typename A, typename B, typename Out, typename Op>
void broadcast_apply(const BroadcastShape& shape, const A* a, const B* b, Out* out, const Op& op) {
  if (shape.rank == 0) return;
  const int inner = shape.rank - 1;
  const int64_t n = shape.dims[inner];
  const int64_t step_a = shape.stride_a[inner], step_b = shape.stride_b[inner];
  int64_t counter[kMaxRank] = {};
  int64_t ia = 0, ib = 0;
  for (;;) {
    const A* pa = a + ia;
    const B* pb = b + ib;
    if (step_a == 1 && step_b == 1) {
      for (int64_t i = 0; i < n; ++i) out[i] = op(pa[i], pb[i]);
    } else if (step_a == 0 && step_b == 1) {
      const A va = *pa;
      for (int64_t i = 0; i < n; ++i) out[i] = op(va, pb[i]);
    } else if (step_a == 1 && step_b == 0) {
      const B vb = *pb;
      for (int64_t i = 0; i < n; ++i) out[i] = op(pa[i], vb);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = op(pa[i * step_a], pb[i * step_b]);
    }
    out += n;
    int d = inner - 1;
    for (; d >= 0; --d) {
      ia += shape.stride_a[d];
      ib += shape.stride_b[d];
      if (++counter[d] < shape.dims[d]) break;
      ia -= shape.stride_a[d] * shape.dims[d];
      ib -= shape.stride_b[d] * shape.dims[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_BROADCAST_H_
