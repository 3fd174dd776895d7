// FullyConnected: y = x W^T + b with TFLite's weights [units, in]; inputs of higher rank flatten
// to [N, in]. Both directions are single GEMMs on the tensors' memory (Eigen, multithreaded).
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
  MatrixMap out(y.data(), d.batch, d.units);
  ConstMatrixMap x(ctx.inputs[0]->data(), d.batch, d.in);
  ConstMatrixMap w(ctx.inputs[1]->data(), d.units, d.in);
  out.noalias() = x * w.transpose();
  if (ctx.inputs.size() == 3) out.rowwise() += ConstRowVectorMap(ctx.inputs[2]->data(), d.units);
  apply_activation(ctx.node.attrs.activation, y);
}

void backward(BackwardContext& ctx) {
  const Dims d = check(ctx.node, ctx.inputs);
  std::vector<float> masked;
  ConstMatrixMap g(pre_activation_grad(ctx, masked), d.batch, d.units);
  ConstMatrixMap x(ctx.inputs[0]->data(), d.batch, d.in);
  ConstMatrixMap w(ctx.inputs[1]->data(), d.units, d.in);
  if (Tensor* dx = input_grad(ctx, 0)) MatrixMap(dx->data(), d.batch, d.in).noalias() += g * w;
  if (Tensor* dw = input_grad(ctx, 1)) {
    MatrixMap(dw->data(), d.units, d.in).noalias() += g.transpose() * x;
  }
  if (Tensor* db = input_grad(ctx, 2)) RowVectorMap(db->data(), d.units) += g.colwise().sum();
}

}  // namespace

const OpKernel& fully_connected_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
