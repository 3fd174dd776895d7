// BatchNorm over the last axis (x viewed as [M, C]): y = gamma * (x - mean) / sqrt(var + eps) +
// beta. Training normalizes with the batch's mean and (biased) variance and moves the moving
// statistics like Keras: moving = moving * momentum + batch * (1 - momentum). Inference uses the
// moving statistics. Backward in training goes through the batch statistics:
//   dx = gamma / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))
// and after an inference forward the statistics are constants (dx = g * gamma / sqrt(var + eps)).
//
// Threads take blocks of rows. Channel sums are kept per block in double and combined in block
// order (means and squared deviations merged as Chan et al.'s parallel variance), so results do
// not depend on the thread count and a large mean does not swamp the variance.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

// About 64 KiB of floats per block of rows.
int64_t row_blocks(const Dims& d) {
  return blocks_of(d.rows, (int64_t{16} << 10) / std::max<int64_t>(d.channels, 1));
}

// Per-channel mean and biased variance of x [rows, channels], in double.
void batch_statistics(const float* x, const Dims& d, std::vector<double>& mean,
                      std::vector<double>& var) {
  const int64_t c = d.channels, blocks = row_blocks(d);
  // Per block: count in rows, then mean [c], then sum of squared deviations [c].
  std::vector<int64_t> count(blocks);
  std::vector<double> partial(blocks * 2 * c);
  for_each_block(d.rows, blocks, [&](int64_t b, int64_t r0, int64_t r1) {
    double* m = partial.data() + b * 2 * c;
    double* m2 = m + c;
    std::fill(m, m + 2 * c, 0.0);
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t i = 0; i < c; ++i) m[i] += x[r * c + i];
    }
    const double n = static_cast<double>(r1 - r0);
    for (int64_t i = 0; i < c; ++i) m[i] /= n;
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t i = 0; i < c; ++i) {
        const double dev = x[r * c + i] - m[i];
        m2[i] += dev * dev;
      }
    }
    count[b] = r1 - r0;
  });
  mean.assign(c, 0.0);
  std::vector<double> m2(c, 0.0);
  double n = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const double nb = static_cast<double>(count[b]);
    if (nb == 0) continue;
    const double* mb = partial.data() + b * 2 * c;
    for (int64_t i = 0; i < c; ++i) {
      const double delta = mb[i] - mean[i];
      mean[i] += delta * nb / (n + nb);
      m2[i] += mb[c + i] + delta * delta * n * nb / (n + nb);
    }
    n += nb;
  }
  var.resize(c);
  for (int64_t i = 0; i < c; ++i) var[i] = m2[i] / n;
}

// Saved for backward after a training forward: xhat [M, C] and 1 / sqrt(var + eps) [C].
void forward(ForwardContext& ctx) {
  const Dims d = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  const int64_t c = d.channels;
  const float eps = ctx.node.attrs.epsilon;
  const float* x = ctx.inputs[0]->data();
  const float* gamma = ctx.inputs[1]->data();
  const float* beta = ctx.inputs[2]->data();
  float* moving_mean = ctx.inputs[3]->data();
  float* moving_var = ctx.inputs[4]->data();
  Tensor& y_tensor = *ctx.outputs[0];
  ensure_shape(y_tensor, ctx.inputs[0]->shape());
  float* y = y_tensor.data();

  if (!ctx.training || d.rows == 0) {
    ctx.saved.clear();  // backward then treats the statistics as constants
    graph::FloatStorage scale(c), shift(c);
    for (int64_t i = 0; i < c; ++i) {
      scale[i] = gamma[i] / std::sqrt(moving_var[i] + eps);
      shift[i] = beta[i] - moving_mean[i] * scale[i];
    }
    for_each_block(d.rows, row_blocks(d), [&](int64_t, int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t i = 0; i < c; ++i) y[r * c + i] = x[r * c + i] * scale[i] + shift[i];
      }
    });
    return;
  }

  std::vector<double> mean, var;
  batch_statistics(x, d, mean, var);
  ctx.saved.resize(2);
  ensure_shape(ctx.saved[0], {d.rows, c});
  ensure_shape(ctx.saved[1], {c});
  float* xhat = ctx.saved[0].data();
  float* inv_std = ctx.saved[1].data();
  graph::FloatStorage mean_f(c);
  for (int64_t i = 0; i < c; ++i) {
    inv_std[i] = static_cast<float>(1.0 / std::sqrt(var[i] + eps));
    mean_f[i] = static_cast<float>(mean[i]);
  }
  for_each_block(d.rows, row_blocks(d), [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t i = 0; i < c; ++i) {
        const float h = (x[r * c + i] - mean_f[i]) * inv_std[i];
        xhat[r * c + i] = h;
        y[r * c + i] = gamma[i] * h + beta[i];
      }
    }
  });

  const float momentum = ctx.node.attrs.momentum;
  for (int64_t i = 0; i < c; ++i) {
    moving_mean[i] = moving_mean[i] * momentum + static_cast<float>(mean[i]) * (1.0f - momentum);
    moving_var[i] = moving_var[i] * momentum + static_cast<float>(var[i]) * (1.0f - momentum);
  }
}

void backward(BackwardContext& ctx) {
  const Dims d = check(ctx.node, ctx.inputs);
  if (d.rows == 0) return;
  const int64_t c = d.channels;
  const float* g = ctx.output_grads[0]->data();
  const float* gamma = ctx.inputs[1]->data();
  const bool batch_stats = ctx.saved.size() == 2 && ctx.saved[0].shape() == graph::Shape{d.rows, c};

  // xhat and 1 / std: kept by a training forward, else from the moving statistics.
  graph::FloatStorage inv_std(c), mean(c, 0.0f);
  const float* xhat = nullptr;
  const float* x = ctx.inputs[0]->data();
  if (batch_stats) {
    xhat = ctx.saved[0].data();
    std::copy(ctx.saved[1].data(), ctx.saved[1].data() + c, inv_std.begin());
  } else {
    for (int64_t i = 0; i < c; ++i) {
      inv_std[i] = 1.0f / std::sqrt(ctx.inputs[4]->data()[i] + ctx.node.attrs.epsilon);
      mean[i] = ctx.inputs[3]->data()[i];
    }
  }
  auto normalized = [&](int64_t r, int64_t i) {
    return xhat ? xhat[r * c + i] : (x[r * c + i] - mean[i]) * inv_std[i];
  };

  // Per block: sum of g [c], then sum of g * xhat [c].
  const int64_t blocks = row_blocks(d);
  std::vector<double> partial(blocks * 2 * c, 0.0);
  for_each_block(d.rows, blocks, [&](int64_t b, int64_t r0, int64_t r1) {
    double* sum_g = partial.data() + b * 2 * c;
    double* sum_gx = sum_g + c;
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t i = 0; i < c; ++i) {
        sum_g[i] += g[r * c + i];
        sum_gx[i] += g[r * c + i] * normalized(r, i);
      }
    }
  });
  std::vector<double> sum_g(c, 0.0), sum_gx(c, 0.0);
  for (int64_t b = 0; b < blocks; ++b) {
    for (int64_t i = 0; i < c; ++i) {
      sum_g[i] += partial[b * 2 * c + i];
      sum_gx[i] += partial[b * 2 * c + c + i];
    }
  }

  if (Tensor* dgamma = input_grad(ctx, 1)) {
    for (int64_t i = 0; i < c; ++i) (*dgamma)[i] += static_cast<float>(sum_gx[i]);
  }
  if (Tensor* dbeta = input_grad(ctx, 2)) {
    for (int64_t i = 0; i < c; ++i) (*dbeta)[i] += static_cast<float>(sum_g[i]);
  }
  Tensor* dx_tensor = input_grad(ctx, 0);
  if (!dx_tensor) return;
  float* dx = dx_tensor->data();
  graph::FloatStorage scale(c), mean_g(c, 0.0f), mean_gx(c, 0.0f);
  for (int64_t i = 0; i < c; ++i) {
    scale[i] = gamma[i] * inv_std[i];
    if (batch_stats) {
      mean_g[i] = static_cast<float>(sum_g[i] / d.rows);
      mean_gx[i] = static_cast<float>(sum_gx[i] / d.rows);
    }
  }
  for_each_block(d.rows, blocks, [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t i = 0; i < c; ++i) {
        dx[r * c + i] += scale[i] * (g[r * c + i] - mean_g[i] - normalized(r, i) * mean_gx[i]);
      }
    }
  });
}

}  // namespace

const OpKernel& batch_norm_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
