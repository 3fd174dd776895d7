// Conv2D through im2col and GEMM (Eigen, multithreaded): forward y = col * filter^T + bias;
// backward d filter = g^T * col, d bias = column sums of g, d x = col2im(g * filter). Training
// keeps the column matrix for backward; 1x1 stride-1 convolutions use x itself as the columns.
#include <string>

#include "toolkit/train/ops/compute_common.h"
#include "toolkit/train/ops/compute_im2col.h"
#include "toolkit/train/ops/compute_kernels.h"

namespace tinyforge::train::compute {
namespace {

struct Geometry {
  Window window;
  int64_t out_channels;
  int64_t rows;    // N * out_h * out_w
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
  g.rows = w.batch * w.out_h * w.out_w;
  g.depth = w.k_h * w.k_w * w.channels;
  g.pointwise = w.k_h == 1 && w.k_w == 1 && w.stride_h == 1 && w.stride_w == 1;
  return g;
}

void forward(ForwardContext& ctx) {
  const Geometry g = check(ctx.node, {ctx.inputs.begin(), ctx.inputs.end()});
  const Window& w = g.window;
  const float* col = ctx.inputs[0]->data();
  if (!g.pointwise) {
    float* buffer;
    if (ctx.training) {
      ctx.saved.resize(1);
      ensure_shape(ctx.saved[0], {g.rows, g.depth});
      buffer = ctx.saved[0].data();
    } else {
      ctx.saved.clear();  // inference keeps nothing, and stale columns must not reach backward
      buffer = scratch(0, g.rows * g.depth);
    }
    im2col(ctx.inputs[0]->data(), w, buffer);
    col = buffer;
  }
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, {w.batch, w.out_h, w.out_w, g.out_channels});
  MatrixMap out(y.data(), g.rows, g.out_channels);
  out.noalias() = ConstMatrixMap(col, g.rows, g.depth) *
                  ConstMatrixMap(ctx.inputs[1]->data(), g.out_channels, g.depth).transpose();
  if (ctx.inputs.size() == 3) {
    out.rowwise() += ConstRowVectorMap(ctx.inputs[2]->data(), g.out_channels);
  }
  apply_activation(ctx.node.attrs.activation, y);
}

void backward(BackwardContext& ctx) {
  const Geometry geo = check(ctx.node, ctx.inputs);
  const Window& w = geo.window;
  std::vector<float> masked;
  ConstMatrixMap g(pre_activation_grad(ctx, masked), geo.rows, geo.out_channels);
  ConstMatrixMap filter(ctx.inputs[1]->data(), geo.out_channels, geo.depth);

  if (Tensor* df = input_grad(ctx, 1)) {
    const float* col = ctx.inputs[0]->data();
    if (!geo.pointwise) {
      const bool kept =
          ctx.saved.size() == 1 && ctx.saved[0].shape() == graph::Shape{geo.rows, geo.depth};
      if (kept) {
        col = ctx.saved[0].data();
      } else {  // forward ran without training: rebuild the columns
        float* buffer = scratch(0, geo.rows * geo.depth);
        im2col(ctx.inputs[0]->data(), w, buffer);
        col = buffer;
      }
    }
    MatrixMap(df->data(), geo.out_channels, geo.depth).noalias() +=
        g.transpose() * ConstMatrixMap(col, geo.rows, geo.depth);
  }
  if (Tensor* db = input_grad(ctx, 2)) {
    RowVectorMap(db->data(), geo.out_channels) += g.colwise().sum();
  }
  if (Tensor* dx = input_grad(ctx, 0)) {
    if (geo.pointwise) {
      MatrixMap(dx->data(), geo.rows, geo.depth).noalias() += g * filter;
    } else {
      float* dcol = scratch(1, geo.rows * geo.depth);
      MatrixMap(dcol, geo.rows, geo.depth).noalias() = g * filter;
      col2im_add(dcol, w, dx->data());
    }
  }
}

}  // namespace

const OpKernel& conv2d_kernel() {
  static const OpKernel kernel{forward, backward};
  return kernel;
}

}  // namespace tinyforge::train::compute
