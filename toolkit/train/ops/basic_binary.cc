// Add and Mul with TFLite broadcasting and an optional fused activation (attrs.activation).
// Backward sums each operand's gradient over the dimensions it was broadcast along.
#include "toolkit/train/ops/basic_broadcast.h"
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"
#include "toolkit/train/ops/fused_activation.h"

namespace tinyforge::train::basic {
namespace {

// An inner run of an operand: n contiguous values (step 1) or one value repeated (step 0).
// Calls f with an Eigen expression of length n either way, so one lambda serves both.
template <typename F>
auto with_run(const float* data, int64_t offset, int64_t n, int64_t step, F&& f) {
  if (step == 0) return f(Eigen::ArrayXf::Constant(n, data[offset]));
  return f(ConstArrayMap(data + offset, n));
}

template <bool kMul>
void binary_forward(ForwardContext& ctx) {
  const Tensor& a = *ctx.inputs[0];
  const Tensor& b = *ctx.inputs[1];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, graph::infer_shape(ctx.node, input_shapes(ctx)));
  const BroadcastLoop loop = make_broadcast_loop(y.shape(), a.shape(), b.shape());
  const float *pa = a.data(), *pb = b.data();
  float* py = y.data();
  // Equal shapes collapse to one long run: that one is split over both cores.
  for_each_run(loop, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t sa, int64_t sb) {
    parallel_chunks(n, [&](int64_t c, int64_t m) {
      ArrayMap out(py + o + c, m);
      with_run(pa, ia + c * sa, m, sa, [&](const auto& x) {
        with_run(pb, ib + c * sb, m, sb, [&](const auto& z) {
          if constexpr (kMul) {
            out = x * z;
          } else {
            out = x + z;
          }
          return 0;
        });
        return 0;
      });
    });
  });
  apply_activation(ctx.node.attrs.activation, y);
}

// d/da (a + b) = 1 and d/da (a * b) = b: the gradient of operand `self` (broadcast by loop
// strides `ss`) given the other operand `other`.
template <bool kMul>
void accumulate(const BroadcastLoop& loop, bool self_is_a, const float* g, const float* other,
                Tensor& grad) {
  float* pg = grad.data();
  for_each_run(loop, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t sa, int64_t sb) {
    const int64_t is = self_is_a ? ia : ib, ss = self_is_a ? sa : sb;
    const int64_t io = self_is_a ? ib : ia, so = self_is_a ? sb : sa;
    auto term = [&](int64_t c, int64_t m, auto&& use) {  // d out / d self on [c, c + m)
      const ConstArrayMap go(g + o + c, m);
      if constexpr (kMul) {
        return with_run(other, io + c * so, m, so, [&](const auto& z) { return use(go * z); });
      } else {
        return use(go);
      }
    };
    if (ss == 0) {  // broadcast along this run: its gradient is the sum
      pg[is] += term(0, n, [](const auto& t) { return t.sum(); });
    } else {
      parallel_chunks(n, [&](int64_t c, int64_t m) {
        term(c, m, [&](const auto& t) {
          ArrayMap(pg + is + c, m) += t;
          return 0.0f;
        });
      });
    }
  });
}

template <bool kMul>
void binary_backward(BackwardContext& ctx) {
  const Tensor& a = *ctx.inputs[0];
  const Tensor& b = *ctx.inputs[1];
  const Tensor& y = *ctx.outputs[0];
  const Tensor* g = ctx.output_grads[0];
  Tensor masked;  // the gradient before the fused activation, when there is one
  if (ctx.node.attrs.activation != graph::Activation::kNone) {
    masked = *g;
    activation_gradient(ctx.node.attrs.activation, y, masked);
    g = &masked;
  }
  const BroadcastLoop loop = make_broadcast_loop(y.shape(), a.shape(), b.shape());
  if (ctx.input_grads[0]) accumulate<kMul>(loop, true, g->data(), b.data(), *ctx.input_grads[0]);
  if (ctx.input_grads[1]) accumulate<kMul>(loop, false, g->data(), a.data(), *ctx.input_grads[1]);
}

}  // namespace

const OpKernel kAdd{binary_forward<false>, binary_backward<false>};
const OpKernel kMul{binary_forward<true>, binary_backward<true>};

}  // namespace tinyforge::train::basic
