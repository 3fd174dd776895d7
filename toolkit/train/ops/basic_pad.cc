// Pad with zeros (ZeroPadding2D; TFLite PAD): attrs.paddings holds before/after per dimension.
// Each innermost row of the input is copied to its place in the zeroed output; backward reads the
// same rows back out of the output gradient.
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

// Calls f(input_offset, output_offset, row_length) for every innermost row of x.
template <typename F>
void for_each_row(const graph::Shape& x, const graph::Shape& y, const std::vector<int64_t>& pads,
                  F&& f) {
  const size_t rank = x.size();
  if (rank == 0) {
    f(0, 0, 1);
    return;
  }
  std::vector<int64_t> out_stride(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) out_stride[d] = out_stride[d + 1] * y[d + 1];
  const int64_t row = x[rank - 1];
  int64_t rows = 1, base = 0;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= x[d];
  for (size_t d = 0; d < rank; ++d) base += pads[2 * d] * out_stride[d];
  if (row == 0) return;
  std::vector<int64_t> index(rank - 1, 0);
  int64_t out = base;
  for (int64_t r = 0; r < rows; ++r) {
    f(r * row, out, row);
    for (size_t d = rank - 1; d-- > 0;) {  // odometer over the outer input dimensions
      out += out_stride[d];
      if (++index[d] < x[d]) break;
      out -= out_stride[d] * x[d];
      index[d] = 0;
    }
  }
}

void pad_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, graph::infer_shape(ctx.node, input_shapes(ctx)));
  y.fill(0.0f);
  const float* px = x.data();
  float* py = y.data();
  for_each_row(x.shape(), y.shape(), ctx.node.attrs.paddings, [&](int64_t i, int64_t o, int64_t n) {
    ArrayMap(py + o, n) = ConstArrayMap(px + i, n);
  });
}

void pad_backward(BackwardContext& ctx) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  const float* pg = ctx.output_grads[0]->data();
  float* px = gx->data();
  for_each_row(
      gx->shape(), ctx.outputs[0]->shape(), ctx.node.attrs.paddings,
      [&](int64_t i, int64_t o, int64_t n) { ArrayMap(px + i, n) += ConstArrayMap(pg + o, n); });
}

}  // namespace

const OpKernel kPad{pad_forward, pad_backward};

}  // namespace tinyforge::train::basic
