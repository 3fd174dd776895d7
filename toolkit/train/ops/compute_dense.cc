// FullyConnected: y = x W^T + b with TFLite's weights [units, in]; inputs of higher rank flatten
// to [N, in]. Both directions are GEMMs on the tensors' memory (Eigen); threads split the batch
// and the weight gradient is summed from per-thread partials.
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_kernels.h"

namespace tinyforge::train::compute {
namespace {

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
  d.in = d.batch == 0 ? 0 : x.size() / d.batch;
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
  for_each_batch_chunk(d.batch, batch_threads(d.batch), [&](int, int64_t n0, int64_t n1) {
    MatrixMap out(y.data() + n0 * d.units, n1 - n0, d.units);
    out.noalias() = ConstMatrixMap(x + n0 * d.in, n1 - n0, d.in) * w.transpose();
    if (bias) out.rowwise() += ConstRowVectorMap(bias, d.units);
    apply_activation(act, out.data(), out.size());
  });
}

void backward(BackwardContext& ctx) {
  const Dims d = check(ctx.node, ctx.inputs);
  ConstMatrixMap w(ctx.inputs[1]->data(), d.units, d.in);
  const float* x = ctx.inputs[0]->data();
  Tensor* dx = input_grad(ctx, 0);
  Tensor* dw = input_grad(ctx, 1);
  Tensor* db = input_grad(ctx, 2);
  float* masked = ctx.node.attrs.activation == graph::Activation::kNone
                      ? nullptr
                      : scratch(2, d.batch * d.units);
  const int threads = batch_threads(d.batch);
  // Per thread: weight gradient [units, in] then bias gradient [units].
  Matrix partial = Matrix::Zero(threads, d.units * d.in + d.units);
  for_each_batch_chunk(d.batch, threads, [&](int t, int64_t n0, int64_t n1) {
    const float* grad = pre_activation_grad_range(ctx, masked, n0 * d.units, n1 * d.units);
    ConstMatrixMap g(grad + n0 * d.units, n1 - n0, d.units);
    if (dx) MatrixMap(dx->data() + n0 * d.in, n1 - n0, d.in).noalias() += g * w;
    if (dw) {
      MatrixMap(partial.row(t).data(), d.units, d.in).noalias() =
          g.transpose() * ConstMatrixMap(x + n0 * d.in, n1 - n0, d.in);
    }
    if (db) RowVectorMap(partial.row(t).data() + d.units * d.in, d.units) = g.colwise().sum();
  });
  const Eigen::RowVectorXf total = partial.colwise().sum();
  if (dw) RowVectorMap(dw->data(), d.units * d.in) += total.head(d.units * d.in);
  if (db) RowVectorMap(db->data(), d.units) += total.tail(d.units);
}

}  // namespace

const OpKernel& fully_connected_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
