// FullyConnected: y = x W^T + b with TFLite's weights [units, in]; inputs of higher rank flatten
// to [N, in]. Both directions are GEMMs on the tensors' memory (Eigen); threads split the batch
// for y and d x, and the units for d weights.
#include <algorithm>
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_kernels.h"

namespace tinyforge::train::compute {
namespace {

// Rows (samples, or units for the weight gradient) per GEMM handed to a thread: at least 16, and
// enough for about 64K multiply-adds, below which waking a thread costs more than it saves.
int64_t rows_per_block(int64_t macs_per_row) {
  return std::max<int64_t>(16, (int64_t{64} << 10) / std::max<int64_t>(macs_per_row, 1));
}

struct Dims {
  int64_t batch, in, units;
};

Dims check(const graph::Node& node, const std::vector<const Tensor*>& in) {
  expect_input_count(node, in.size(), 2, 3);
  const Tensor& x = *in[0];
  const Tensor& w = *in[1];
  if (x.rank() < 2) {
    fail(node,
         "input has shape " + graph::shape_string(x.shape()) + ", expected [N, features, ...]");
  }
  Dims d{x.dim(0), 0, 0};
  d.in = 1;  // from the shape, not size / batch, so an empty batch still has its width
  for (int i = 1; i < x.rank(); ++i) d.in *= x.dim(i);
  if (w.rank() != 2 || w.dim(1) != d.in) {
    fail(node, "weights have shape " + graph::shape_string(w.shape()) + ", expected [units, " +
                   std::to_string(d.in) + "]");
  }
  d.units = w.dim(0);
  if (in.size() == 3) expect_shape(node, *in[2], {d.units}, "bias");
  return d;
}

void forward(ForwardContext& ctx) {
  const Dims d = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {d.batch, d.units});
  ConstMatrixMap w(ctx.inputs[1]->data(), d.units, d.in);
  const float* x = ctx.inputs[0]->data();
  const float* bias = ctx.inputs.size() == 3 ? ctx.inputs[2]->data() : nullptr;
  const graph::Activation act = ctx.node.attrs.activation;
  for_each_block(d.batch, blocks_of(d.batch, rows_per_block(d.in * d.units)),
                 [&](int64_t, int64_t n0, int64_t n1) {
                   MatrixMap out(y.data() + n0 * d.units, n1 - n0, d.units);
                   out.noalias() = ConstMatrixMap(x + n0 * d.in, n1 - n0, d.in) * w.transpose();
                   if (bias) out.rowwise() += ConstRowVectorMap(bias, d.units);
                   apply_activation(act, out.data(), out.size());
                 });
}

void backward(BackwardContext& ctx) {
  const Dims d = check(ctx.node, ctx.inputs);
  ConstMatrixMap w(ctx.inputs[1]->data(), d.units, d.in);
  ConstMatrixMap x(ctx.inputs[0]->data(), d.batch, d.in);
  Tensor* dx = input_grad(ctx, 0);
  Tensor* dw = input_grad(ctx, 1);
  Tensor* db = input_grad(ctx, 2);
  float* masked = ctx.node.attrs.activation == graph::Activation::kNone
                      ? nullptr
                      : scratch(2, d.batch * d.units);
  const float* grad = masked ? masked : ctx.output_grads[0]->data();
  // Samples: the activation's mask and d x.
  if (dx || masked) {
    for_each_block(d.batch, blocks_of(d.batch, rows_per_block(d.in * d.units)),
                   [&](int64_t, int64_t n0, int64_t n1) {
                     pre_activation_grad_range(ctx, n0 * d.units, n1 * d.units,
                                               masked ? masked + n0 * d.units : nullptr);
                     if (!dx) return;
                     MatrixMap(dx->data() + n0 * d.in, n1 - n0, d.in).noalias() +=
                         ConstMatrixMap(grad + n0 * d.units, n1 - n0, d.units) * w;
                   });
  }
  // Units: rows of d weights and d bias, each a sum over the whole batch in one GEMM, so nothing
  // is summed across threads.
  if (!dw && !db) return;
  ConstMatrixMap g(grad, d.batch, d.units);
  for_each_block(d.units, blocks_of(d.units, rows_per_block(d.batch * d.in)),
                 [&](int64_t, int64_t u0, int64_t u1) {
                   if (dw) {
                     MatrixMap(dw->data() + u0 * d.in, u1 - u0, d.in).noalias() +=
                         g.middleCols(u0, u1 - u0).transpose() * x;
                   }
                   if (db)
                     RowVectorMap(db->data() + u0, u1 - u0) +=
                         g.middleCols(u0, u1 - u0).colwise().sum();
                 });
}

}  // namespace

const OpKernel& fully_connected_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
