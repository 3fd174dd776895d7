// Conv2D through im2col and GEMM (Eigen): forward y = col * filter^T + bias; backward
// d filter = g^T * col, d bias = column sums of g, d x = col2im(g * filter). Threads split the
// batch in blocks of samples (each runs im2col and its own GEMMs; filter gradients are per-block
// partial sums added in block order). Training keeps the column matrix for backward; 1x1 stride-1
// convolutions use x itself as the columns.
#include <algorithm>
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_im2col.h"
#include "toolkit/train/ops/compute_kernels.h"

namespace tinyforge::train::compute {
namespace {

struct Geometry {
  Window window;
  int64_t out_channels;
  int64_t pixels;  // out_h * out_w: column rows per sample
  int64_t rows;    // N * pixels
  int64_t depth;   // k_h * k_w * channels
  bool pointwise;  // 1x1, stride 1: the input already is the column matrix
};

Geometry check(const graph::Node& node, const std::vector<const Tensor*>& in) {
  expect_input_count(node, in.size(), 2, 3);
  const Tensor& x = *in[0];
  const Tensor& f = *in[1];
  if (x.rank() != 4) {
    fail(node, "input has shape " + graph::shape_string(x.shape()) + ", expected [N, H, W, C]");
  }
  if (f.rank() != 4 || f.dim(3) != x.dim(3)) {
    fail(node, "filter has shape " + graph::shape_string(f.shape()) + ", expected [out, kh, kw, " +
                   std::to_string(x.dim(3)) + "]");
  }
  Geometry g;
  g.window = make_window(node, x.shape(), f.dim(1), f.dim(2), node.attrs.dilation_h,
                         node.attrs.dilation_w);
  g.out_channels = f.dim(0);
  if (in.size() == 3) expect_shape(node, *in[2], {g.out_channels}, "bias");
  const Window& w = g.window;
  g.pixels = w.out_h * w.out_w;
  g.rows = w.batch * g.pixels;
  g.depth = w.k_h * w.k_w * w.channels;
  g.pointwise = w.k_h == 1 && w.k_w == 1 && w.stride_h == 1 && w.stride_w == 1;
  return g;
}

// Samples per GEMM: enough that the column block (~256 KiB) stays in L2 between im2col, GEMM
// and the bias/activation pass, instead of streaming the whole batch through memory each time.
int64_t cache_block(const Geometry& g) {
  return std::max<int64_t>(1,
                           (int64_t{256} << 10) / (4 * std::max<int64_t>(1, g.pixels * g.depth)));
}

void forward(ForwardContext& ctx) {
  const Geometry g = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  const Window& w = g.window;
  const float* x = ctx.inputs[0]->data();
  // Training keeps every block's columns for backward; inference only needs one block's at a
  // time, in the running thread's scratch (a whole test set at once must not need gigabytes).
  float* kept = nullptr;
  if (!g.pointwise && ctx.training) {
    ctx.saved.resize(1);
    ensure_shape(ctx.saved[0], {g.rows, g.depth});
    kept = ctx.saved[0].data();
  } else {
    ctx.saved.clear();  // stale columns must not reach backward
  }
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, g.out_channels});
  ConstMatrixMap filter(ctx.inputs[1]->data(), g.out_channels, g.depth);
  const float* bias = ctx.inputs.size() == 3 ? ctx.inputs[2]->data() : nullptr;
  const graph::Activation act = ctx.node.attrs.activation;

  const int64_t samples = w.batch;
  for_each_block(samples, blocks_of(samples, cache_block(g)), [&](int64_t, int64_t n0, int64_t n1) {
    const int64_t r0 = n0 * g.pixels, rows = (n1 - n0) * g.pixels;
    const float* cols = x + r0 * g.depth;
    if (!g.pointwise) {
      float* block_cols = kept ? kept + r0 * g.depth : scratch(0, rows * g.depth);
      im2col(x, w, n0, n1, block_cols);
      cols = block_cols;
    }
    MatrixMap out(y.data() + r0 * g.out_channels, rows, g.out_channels);
    out.noalias() = ConstMatrixMap(cols, rows, g.depth) * filter.transpose();
    if (bias) out.rowwise() += ConstRowVectorMap(bias, g.out_channels);
    apply_activation(act, out.data(), out.size());
  });
}

void backward(BackwardContext& ctx) {
  const Geometry geo = check(ctx.node, ctx.inputs);
  const Window& w = geo.window;
  const int64_t out_c = geo.out_channels, depth = geo.depth;
  ConstMatrixMap filter(ctx.inputs[1]->data(), out_c, depth);
  Tensor* dx = input_grad(ctx, 0);
  Tensor* df = input_grad(ctx, 1);
  Tensor* db = input_grad(ctx, 2);

  const float* x = ctx.inputs[0]->data();
  // Columns kept by a training forward; otherwise (after an inference forward) rebuilt per block.
  const float* kept = !geo.pointwise && ctx.saved.size() == 1 &&
                              ctx.saved[0].shape() == graph::Shape{geo.rows, depth}
                          ? ctx.saved[0].data()
                          : nullptr;
  const bool masked = ctx.node.attrs.activation != graph::Activation::kNone;
  const int64_t blocks = blocks_of(w.batch, cache_block(geo));
  // Per block: filter gradient [out_c, depth], then bias gradient [out_c].
  Matrix partial(blocks, out_c * depth + out_c);

  for_each_block(w.batch, blocks, [&](int64_t b, int64_t n0, int64_t n1) {
    const int64_t r0 = n0 * geo.pixels, rows = (n1 - n0) * geo.pixels;
    ConstMatrixMap g(pre_activation_grad_range(ctx, r0 * out_c, (r0 + rows) * out_c,
                                               masked ? scratch(2, rows * out_c) : nullptr),
                     rows, out_c);
    if (df) {
      const float* cols = x + r0 * depth;
      if (!geo.pointwise) {
        if (kept) {
          cols = kept + r0 * depth;
        } else {
          float* rebuilt = scratch(0, rows * depth);
          im2col(x, w, n0, n1, rebuilt);
          cols = rebuilt;
        }
      }
      MatrixMap(partial.row(b).data(), out_c, depth).noalias() =
          g.transpose() * ConstMatrixMap(cols, rows, depth);
    }
    if (db) partial.row(b).tail(out_c) = g.colwise().sum();
    if (dx) {
      if (geo.pointwise) {
        MatrixMap(dx->data() + r0 * depth, rows, depth).noalias() += g * filter;
      } else {
        float* dcol = scratch(1, rows * depth);
        MatrixMap(dcol, rows, depth).noalias() = g * filter;
        col2im_add(dcol, w, n0, n1, dx->data());
      }
    }
  });
  if (df) add_partials(partial, 0, out_c * depth, df->data());
  if (db) add_partials(partial, out_c * depth, out_c, db->data());
}

}  // namespace

const OpKernel& conv2d_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
