// Softmax over the last dimension with temperature beta (TFLite SOFTMAX):
// y = exp(beta * (x - max)) / sum; subtracting the row maximum keeps exp() finite.
#include "toolkit/host/error.h"
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

using Rows = Eigen::Map<Eigen::ArrayXXf>;  // one column per softmax row: classes are contiguous
using ConstRows = Eigen::Map<const Eigen::ArrayXXf>;

int64_t classes_of(const Node& node, const Tensor& x) {
  if (x.rank() < 1 || x.dim(-1) <= 0)
    throw host::Error("node '" + node.name + "' (Softmax): input has shape " +
                      graph::shape_string(x.shape()) + ", expected [..., classes]");
  return x.dim(-1);
}

void softmax_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, x.shape());
  const int64_t classes = classes_of(ctx.node, x);
  const int64_t rows = x.size() / classes;
  const ConstRows in(x.data(), classes, rows);
  Rows out(y.data(), classes, rows);
  const Eigen::Array<float, 1, Eigen::Dynamic> max = in.colwise().maxCoeff();
  out = ((in.rowwise() - max) * ctx.node.attrs.beta).exp();
  const Eigen::Array<float, 1, Eigen::Dynamic> sum = out.colwise().sum();
  out.rowwise() /= sum;
}

// dx = beta * y * (g - sum(g * y)) per row.
void softmax_backward(BackwardContext& ctx) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  const Tensor& y = *ctx.outputs[0];
  const int64_t classes = y.dim(-1), rows = y.size() / classes;
  const ConstRows out(y.data(), classes, rows);
  const ConstRows g(ctx.output_grads[0]->data(), classes, rows);
  const Eigen::Array<float, 1, Eigen::Dynamic> dot = (g * out).colwise().sum();
  Rows(gx->data(), classes, rows) += ctx.node.attrs.beta * out * (g.rowwise() - dot);
}

}  // namespace

const OpKernel kSoftmax{softmax_forward, softmax_backward};

}  // namespace tinyforge::train::basic
