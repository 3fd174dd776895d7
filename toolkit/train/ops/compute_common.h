// Helpers shared by the compute kernels (dense, convolution, pooling, normalization): Eigen views
// of tensor memory, errors that name the node, output sizing without needless clearing, and the
// incoming gradient with the fused activation's derivative applied.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_COMMON_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_COMMON_H_

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "toolkit/host/error.h"
#include "toolkit/train/op_kernel.h"
#include "toolkit/train/ops/compute_thread_pool.h"
#include "toolkit/train/ops/fused_activation.h"

namespace tinyforge::train::compute {

// Tensors are row-major, so a [rows, cols] block of floats is a row-major Eigen matrix.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using RowVectorMap = Eigen::Map<Eigen::RowVectorXf>;
using ConstRowVectorMap = Eigen::Map<const Eigen::RowVectorXf>;

[[noreturn]] inline void fail(const graph::Node& node, const std::string& what) {
  throw host::Error("node '" + node.name + "' (" + graph::op_type_name(node.type) + "): " + what);
}

inline void expect_input_count(const graph::Node& node, size_t got, size_t min, size_t max) {
  if (got < min || got > max) {
    fail(node, "expects " + std::to_string(min) + (min == max ? "" : " to " + std::to_string(max)) +
                   " inputs, got " + std::to_string(got));
  }
}

inline void expect_shape(const graph::Node& node, const Tensor& t, const graph::Shape& want,
                         const char* role) {
  if (t.shape() != want) {
    fail(node, std::string(role) + " has shape " + graph::shape_string(t.shape()) + ", expected " +
                   graph::shape_string(want));
  }
}

// Gives `t` the shape `shape`. Keeps the old buffer (unzeroed) when the shape is unchanged, since
// the kernels overwrite every element and clearing megabytes per batch is measurable.
inline void ensure_shape(Tensor& t, const graph::Shape& shape) {
  if (t.shape() != shape) t.reset(shape);
}

// The gradient tensor of input i, or null when nobody wants it. A gradient that does not have the
// input's shape yet is created as zeros, since kernels add to it.
inline Tensor* input_grad(BackwardContext& ctx, size_t i) {
  if (i >= ctx.input_grads.size() || ctx.input_grads[i] == nullptr) return nullptr;
  Tensor* g = ctx.input_grads[i];
  if (g->shape() != ctx.inputs[i]->shape()) g->reset(ctx.inputs[i]->shape(), 0.0f);
  return g;
}

// d loss / d pre-activation. Without a fused activation that is the output gradient itself (no
// copy); otherwise a masked copy in `storage`.
inline const float* pre_activation_grad(const BackwardContext& ctx, graph::FloatStorage& storage) {
  const Tensor& grad = *ctx.output_grads[0];
  const graph::Activation act = ctx.node.attrs.activation;
  if (act == graph::Activation::kNone) return grad.data();
  storage.assign(grad.values().begin(), grad.values().end());
  activation_gradient(act, ctx.outputs[0]->data(), storage.data(), grad.size());
  return storage.data();
}

// d loss / d pre-activation for output elements [begin, end): the output gradient itself when
// there is no fused activation, else a masked copy written to storage[0, end - begin). Returns
// where element `begin`'s value is.
inline const float* pre_activation_grad_range(const BackwardContext& ctx, int64_t begin,
                                              int64_t end, float* storage) {
  const float* grad = ctx.output_grads[0]->data();
  const graph::Activation act = ctx.node.attrs.activation;
  if (act == graph::Activation::kNone) return grad + begin;
  std::copy(grad + begin, grad + end, storage);
  activation_gradient(act, ctx.outputs[0]->data() + begin, storage, end - begin);
  return storage;
}

// Splits [0, n) into `blocks` contiguous runs and runs f(block, begin, end) for each on the
// thread pool (one wake-up per kernel call; inside, Eigen runs single-threaded since these files
// are compiled with EIGEN_DONT_PARALLELIZE). Which thread runs a block varies, so kernels keep
// sums per block and add them in block order: results do not depend on the thread count.
template <class F>
void for_each_block(int64_t n, int64_t blocks, F&& f) {
  blocks = std::clamp<int64_t>(blocks, 1, std::max<int64_t>(n, 1));
  parallel_for(blocks, [&](int64_t b) { f(b, n * b / blocks, n * (b + 1) / blocks); });
}

// Number of blocks of about `per_block` items each.
inline int64_t blocks_of(int64_t n, int64_t per_block) {
  per_block = std::max<int64_t>(per_block, 1);
  return std::max<int64_t>(1, (n + per_block - 1) / per_block);
}

// Adds the rows of a [blocks, n] matrix of per-block partial sums, in block order, to `out`.
inline void add_partials(const Matrix& partial, int64_t offset, int64_t n, float* out) {
  RowVectorMap total(out, n);
  for (int64_t b = 0; b < partial.rows(); ++b) total += partial.row(b).segment(offset, n);
}

// Reusable per-thread scratch memory for temporaries (a block's columns, their gradients, masked
// gradients): each pool thread has its own, and allocating per call costs page faults.
inline float* scratch(int slot, int64_t n) {
  thread_local graph::FloatStorage buffers[4];  // aligned: see graph/aligned_storage.h
  graph::FloatStorage& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < n) b.resize(static_cast<size_t>(n));
  return b.data();
}

}  // namespace tinyforge::train::compute

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_COMMON_H_
