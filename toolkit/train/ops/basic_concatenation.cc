// Concatenation along attrs.axis: for each index of the dimensions before the axis, the inputs'
// contiguous blocks follow each other in the output. Backward splits the gradient the same way.
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

// Calls f(input, input_offset, output_offset, block) for every block of every input.
template <typename F>
void for_each_block(const Node& node, const std::vector<const Tensor*>& inputs, F&& f) {
  const graph::Shape& first = inputs[0]->shape();
  const size_t axis = node.attrs.axis < 0 ? node.attrs.axis + first.size() : node.attrs.axis;
  int64_t outer = 1;
  for (size_t d = 0; d < axis; ++d) outer *= first[d];
  std::vector<int64_t> block(inputs.size());
  int64_t out_block = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    block[i] = outer == 0 ? 0 : inputs[i]->size() / outer;
    out_block += block[i];
  }
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offset = o * out_block;
    for (size_t i = 0; i < inputs.size(); ++i) {
      f(i, o * block[i], offset, block[i]);
      offset += block[i];
    }
  }
}

void concatenation_forward(ForwardContext& ctx) {
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, graph::infer_shape(ctx.node, input_shapes(ctx)));
  const std::vector<const Tensor*> inputs(ctx.inputs.begin(), ctx.inputs.end());
  float* py = y.data();
  for_each_block(ctx.node, inputs, [&](size_t i, int64_t from, int64_t to, int64_t n) {
    ArrayMap(py + to, n) = ConstArrayMap(inputs[i]->data() + from, n);
  });
}

void concatenation_backward(BackwardContext& ctx) {
  const float* pg = ctx.output_grads[0]->data();
  for_each_block(ctx.node, ctx.inputs, [&](size_t i, int64_t to, int64_t from, int64_t n) {
    if (Tensor* gx = ctx.input_grads[i])
      ArrayMap(gx->data() + to, n) += ConstArrayMap(pg + from, n);
  });
}

}  // namespace

const OpKernel kConcatenation{concatenation_forward, concatenation_backward};

}  // namespace tinyforge::train::basic
