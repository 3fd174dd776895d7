// Small helpers shared by the basic training kernels (ops/basic_*.cc): Eigen views of tensors and
// output sizing that reuses the previous batch's buffer.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_COMMON_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_COMMON_H_

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "toolkit/train/op_kernel.h"
#include "toolkit/train/ops/compute_thread_pool.h"

namespace tinyforge::train::basic {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

inline ArrayMap array(Tensor& t) { return ArrayMap(t.data(), t.size()); }
inline ConstArrayMap array(const Tensor& t) { return ConstArrayMap(t.data(), t.size()); }

// Gives `t` the shape `shape` without clearing it when it already has it: outputs are overwritten
// completely by elementwise kernels, so the buffer of the previous batch is reused as it is.
inline void ensure_shape(Tensor& t, const graph::Shape& shape) {
  if (t.shape() != shape) t.reset(shape);
}

// Calls f(begin, count) over [0, n) in chunks, on the compute kernels' sleeping thread pool when
// n is large enough to pay for waking a second thread (an OpenMP region's spinning barrier costs
// several times the work on shared cores). Chunks are fixed by n alone, so results never depend
// on the thread count.
template <typename F>
void parallel_chunks(int64_t n, F&& f) {
  constexpr int64_t kChunk = int64_t{1} << 15;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  compute::parallel_for(chunks, [&](int64_t c) {
    const int64_t begin = c * kChunk;
    f(begin, std::min(kChunk, n - begin));
  });
}

// The actual (batch-resolved) input shapes, for graph::infer_shape on this batch.
inline std::vector<graph::Shape> input_shapes(const ForwardContext& ctx) {
  std::vector<graph::Shape> shapes;
  shapes.reserve(ctx.inputs.size());
  for (const Tensor* t : ctx.inputs) shapes.push_back(t->shape());
  return shapes;
}

}  // namespace tinyforge::train::basic

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_COMMON_H_
