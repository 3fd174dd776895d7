// Reshape (also Flatten): the same row-major values under the shape graph::infer_shape derives for
// this batch, so the batch is kept and one -1 is resolved. Gradients pass straight back.
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

void reshape_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, graph::infer_shape(ctx.node, input_shapes(ctx)));
  array(y) = array(x);
}

void reshape_backward(BackwardContext& ctx) {
  if (Tensor* gx = ctx.input_grads[0]) array(*gx) += array(*ctx.output_grads[0]);
}

}  // namespace

const OpKernel kReshape{reshape_forward, reshape_backward};

}  // namespace tinyforge::train::basic
