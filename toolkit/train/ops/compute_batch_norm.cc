// BatchNorm over the last axis (x viewed as [M, C]): y = gamma * (x - mean) / sqrt(var + eps) +
// beta. Training normalizes with the batch's mean and (biased) variance and moves the moving
// statistics like Keras: moving = moving * momentum + batch * (1 - momentum). Inference uses the
// moving statistics. Backward in training goes through the batch statistics:
//   dx = gamma / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))
// and after an inference forward the statistics are constants (dx = g * gamma / sqrt(var + eps)).
#include <cmath>
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_kernels.h"

namespace tinyforge::train::compute {
namespace {

struct Dims {
  int64_t rows, channels;
};

Dims check(const graph::Node& node, const std::vector<const Tensor*>& in) {
  expect_input_count(node, in.size(), 5, 5);
  const Tensor& x = *in[0];
  if (x.rank() < 2) {
    fail(node, "input has shape " + graph::shape_string(x.shape()) + ", expected [N, ..., C]");
  }
  const int64_t c = x.dim(-1);
  static const char* const kRoles[] = {"", "gamma", "beta", "moving_mean", "moving_variance"};
  for (size_t i = 1; i < 5; ++i) expect_shape(node, *in[i], {c}, kRoles[i]);
  return {c == 0 ? 0 : x.size() / c, c};
}

// Saved for backward after a training forward: xhat [M, C] and 1 / sqrt(var + eps) [C].
void forward(ForwardContext& ctx) {
  const Dims d = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  const float eps = ctx.node.attrs.epsilon;
  ConstMatrixMap x(ctx.inputs[0]->data(), d.rows, d.channels);
  ConstRowVectorMap gamma(ctx.inputs[1]->data(), d.channels);
  ConstRowVectorMap beta(ctx.inputs[2]->data(), d.channels);
  RowVectorMap moving_mean(ctx.inputs[3]->data(), d.channels);
  RowVectorMap moving_var(ctx.inputs[4]->data(), d.channels);
  Tensor& y_tensor = *ctx.outputs[0];
  ensure_shape(y_tensor, ctx.inputs[0]->shape());
  MatrixMap y(y_tensor.data(), d.rows, d.channels);

  if (!ctx.training || d.rows == 0) {
    ctx.saved.clear();  // backward then treats the statistics as constants
    const Eigen::RowVectorXf scale = gamma.array() * (moving_var.array() + eps).rsqrt();
    const Eigen::RowVectorXf shift = beta.array() - moving_mean.array() * scale.array();
    y.noalias() = x;
    y.array().rowwise() *= scale.array();
    y.rowwise() += shift;
    return;
  }

  // Two passes (mean, then centered squares) in double: one-pass E[x^2] - E[x]^2 cancels badly.
  const Eigen::RowVectorXd mean = x.cast<double>().colwise().mean();
  const Eigen::RowVectorXd var =
      (x.cast<double>().rowwise() - mean).array().square().colwise().mean();
  ctx.saved.resize(2);
  ensure_shape(ctx.saved[1], {d.channels});
  RowVectorMap inv_std(ctx.saved[1].data(), d.channels);
  inv_std = (var.array() + eps).rsqrt().cast<float>();
  ensure_shape(ctx.saved[0], {d.rows, d.channels});
  MatrixMap xhat(ctx.saved[0].data(), d.rows, d.channels);
  xhat = (x.rowwise() - mean.cast<float>());
  xhat.array().rowwise() *= inv_std.array();
  y = xhat;
  y.array().rowwise() *= gamma.array();
  y.rowwise() += beta;

  const float momentum = ctx.node.attrs.momentum;
  moving_mean = moving_mean * momentum + mean.cast<float>() * (1.0f - momentum);
  moving_var = moving_var * momentum + var.cast<float>() * (1.0f - momentum);
}

void backward(BackwardContext& ctx) {
  const Dims d = check(ctx.node, ctx.inputs);
  if (d.rows == 0) return;
  ConstMatrixMap g(ctx.output_grads[0]->data(), d.rows, d.channels);
  ConstRowVectorMap gamma(ctx.inputs[1]->data(), d.channels);
  const bool batch_stats =
      ctx.saved.size() == 2 && ctx.saved[0].shape() == graph::Shape{d.rows, d.channels};

  Matrix xhat_storage;
  Eigen::RowVectorXf inv_std;
  const float* xhat_data;
  if (batch_stats) {
    xhat_data = ctx.saved[0].data();
    inv_std = ConstRowVectorMap(ctx.saved[1].data(), d.channels);
  } else {
    ConstMatrixMap x(ctx.inputs[0]->data(), d.rows, d.channels);
    ConstRowVectorMap moving_mean(ctx.inputs[3]->data(), d.channels);
    ConstRowVectorMap moving_var(ctx.inputs[4]->data(), d.channels);
    inv_std = (moving_var.array() + ctx.node.attrs.epsilon).rsqrt();
    xhat_storage = x.rowwise() - moving_mean;
    xhat_storage.array().rowwise() *= inv_std.array();
    xhat_data = xhat_storage.data();
  }
  ConstMatrixMap xhat(xhat_data, d.rows, d.channels);
  const Eigen::RowVectorXf sum_g = g.colwise().sum();
  const Eigen::RowVectorXf sum_g_xhat = g.cwiseProduct(xhat).colwise().sum();

  if (Tensor* dgamma = input_grad(ctx, 1)) RowVectorMap(dgamma->data(), d.channels) += sum_g_xhat;
  if (Tensor* dbeta = input_grad(ctx, 2)) RowVectorMap(dbeta->data(), d.channels) += sum_g;
  if (Tensor* dx_tensor = input_grad(ctx, 0)) {
    MatrixMap dx(dx_tensor->data(), d.rows, d.channels);
    const Eigen::RowVectorXf scale = gamma.cwiseProduct(inv_std);
    if (batch_stats) {
      const float inv_m = 1.0f / static_cast<float>(d.rows);
      const Eigen::RowVectorXf mean_g = sum_g * inv_m;
      const Eigen::RowVectorXf mean_g_xhat = sum_g_xhat * inv_m;
      Matrix t = g.rowwise() - mean_g;
      t -= (xhat.array().rowwise() * mean_g_xhat.array()).matrix();
      t.array().rowwise() *= scale.array();
      dx += t;
    } else {
      dx.array() += g.array().rowwise() * scale.array();
    }
  }
}

}  // namespace

const OpKernel& batch_norm_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
