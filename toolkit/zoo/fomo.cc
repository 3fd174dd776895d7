// A centroid detector in the style of Edge Impulse's FOMO ("Faster Objects, More Objects"): the
// start of a MobileNet (a 3x3 stride-2 convolution and depthwise-separable blocks, BatchNorm and
// ReLU after each convolution) cut where the map is 1/8 of the input, then a 1x1 convolution
// head giving per-cell class logits (class 0 the background). A 96x96 input gives a 12x12 grid.
#include <algorithm>

#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

namespace {

struct Block {
  int pointwise_filters;  // at width 1
  int stride;             // of the depthwise convolution
};

// MobileNetV1's first blocks up to output stride 8 (the stem halves the input once).
constexpr Block kBlocks[] = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}};
constexpr int kHeadFilters = 32;

}  // namespace

graph::Graph fomo(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {96, 96, 3});
  detail::expect_rank("fomo", input, 3, "[height, width, channels]");
  if (input[0] % 8 != 0 || input[1] % 8 != 0) {
    throw host::Error("model fomo: input_shape " + graph::shape_string(input) +
                      " must have a height and width divisible by 8 (the output stride)");
  }
  const float width = o.width > 0.0f ? o.width : 0.35f;
  auto scaled = [width](int filters) { return std::max(8, static_cast<int>(filters * width)); };
  auto conv_bn_relu = [&](int x, int filters, int kernel, int stride) {
    x = b.conv2d(x, {.filters = filters,
                     .kernel_h = kernel,
                     .kernel_w = kernel,
                     .stride_h = stride,
                     .stride_w = stride,
                     .padding = graph::Padding::kSame,
                     .kernel_init = o.kernel_init});
    return b.relu(b.batch_norm(x));
  };
  int x = b.input(input);
  x = conv_bn_relu(x, scaled(32), 3, 2);
  for (const Block& block : kBlocks) {
    x = b.depthwise_conv2d(x, {.stride_h = block.stride,
                               .stride_w = block.stride,
                               .padding = graph::Padding::kSame,
                               .kernel_init = o.kernel_init});
    x = b.relu(b.batch_norm(x));
    x = conv_bn_relu(x, scaled(block.pointwise_filters), 1, 1);
  }
  const int head = o.hidden.empty() ? kHeadFilters : o.hidden.front();
  x = b.conv2d(x, {.filters = head,
                   .kernel_h = 1,
                   .kernel_w = 1,
                   .activation = graph::Activation::kRelu,
                   .kernel_init = o.kernel_init});
  x = b.conv2d(x, {.filters = detail::or_default(o.classes, 2),
                   .kernel_h = 1,
                   .kernel_w = 1,
                   .kernel_init = o.kernel_init,
                   .name = "logits"});
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
