// Mean over attrs.axes (keep_dims or not): global average pooling is Mean over {1, 2} of NHWC.
// A reduction is a broadcast read backwards: the kept-dims result broadcast to the input shape
// lines each input element up with its output element, so both directions share BroadcastLoop.
#include "toolkit/train/ops/basic_broadcast.h"
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

struct Reduction {
  BroadcastLoop loop;  // over the input; operand a = the kept-dims output
  float scale;         // 1 / elements averaged
};

Reduction reduction(const Node& node, const graph::Shape& x) {
  graph::Shape kept = x;
  int64_t count = 1;
  for (int axis : node.attrs.axes) {
    const size_t d = axis < 0 ? axis + x.size() : axis;
    count *= x[d];  // axes are distinct (graph::infer_shape checks)
    kept[d] = 1;
  }
  return {make_broadcast_loop(x, kept, kept), count > 0 ? 1.0f / static_cast<float>(count) : 0.0f};
}

void mean_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, graph::infer_shape(ctx.node, input_shapes(ctx)));
  y.fill(0.0f);
  const Reduction r = reduction(ctx.node, x.shape());
  const float* px = x.data();
  float* py = y.data();
  for_each_run(r.loop, [&](int64_t o, int64_t iy, int64_t, int64_t n, int64_t sy, int64_t) {
    if (sy == 0) {
      py[iy] += ConstArrayMap(px + o, n).sum();
    } else {
      ArrayMap(py + iy, n) += ConstArrayMap(px + o, n);
    }
  });
  array(y) *= r.scale;
}

void mean_backward(BackwardContext& ctx) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  const Reduction r = reduction(ctx.node, ctx.inputs[0]->shape());
  const float* pg = ctx.output_grads[0]->data();
  float* px = gx->data();
  for_each_run(r.loop, [&](int64_t o, int64_t iy, int64_t, int64_t n, int64_t sy, int64_t) {
    if (sy == 0) {
      ArrayMap(px + o, n) += pg[iy] * r.scale;
    } else {
      ArrayMap(px + o, n) += ConstArrayMap(pg + iy, n) * r.scale;
    }
  });
}

}  // namespace

const OpKernel kMean{mean_forward, mean_backward};

}  // namespace tinyforge::train::basic
