// The detectors, both at output stride 8 on the start of a MobileNet (a 3x3 stride-2 convolution
// and depthwise-separable blocks, BatchNorm and ReLU after each convolution; a 96x96 input gives a
// 12x12 grid), then a 1x1 convolution (`hidden`, ReLU) and a 1x1 convolution head per cell:
//   fomo          a centroid detector in the style of Edge Impulse's FOMO ("Faster Objects, More
//                 Objects"): class logits (class 0 the background).
//   box_detector  an anchor-free box detector (CenterNet-style, one scale): class logits and the
//                 box of the object centred in the cell (x and y offset, width, height in cells).
#include <algorithm>

#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

namespace {

// MobileNetV1's first blocks up to output stride 8 (the stem halves the input once):
// pointwise filters at width 1, and the depthwise stride.
constexpr std::pair<int, int> kBlocks[] = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}};
constexpr int kHeadFilters = 32;
constexpr int kBoxValues = 4;

graph::Graph detector(const ModelOptions& o, const char* name, int extra_outputs) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {96, 96, 3});
  detail::expect_rank(name, input, 3, "[height, width, channels]");
  if (input[0] % 8 != 0 || input[1] % 8 != 0) {
    throw host::Error(std::string("model ") + name + ": input_shape " + graph::shape_string(input) +
                      " must have a height and width divisible by 8 (the output stride)");
  }
  const float width = o.width > 0.0f ? o.width : 0.35f;
  auto scaled = [width](int filters) { return std::max(8, static_cast<int>(filters * width)); };
  int x = b.input(input);
  x = b.conv2d(x, {.filters = scaled(32),
                   .stride_h = 2,
                   .stride_w = 2,
                   .padding = graph::Padding::kSame,
                   .kernel_init = o.kernel_init});
  x = b.relu(b.batch_norm(x));
  for (const auto& [filters, stride] : kBlocks)
    x = detail::depthwise_separable_block(b, x, scaled(filters), stride, o);
  x = b.conv2d(x, {.filters = o.hidden.empty() ? kHeadFilters : o.hidden.front(),
                   .kernel_h = 1,
                   .kernel_w = 1,
                   .activation = graph::Activation::kRelu,
                   .kernel_init = o.kernel_init});
  x = b.conv2d(x, {.filters = detail::or_default(o.classes, 2) + extra_outputs,
                   .kernel_h = 1,
                   .kernel_w = 1,
                   .kernel_init = o.kernel_init,
                   .name = "logits"});
  g.set_outputs({x});
  return g;
}

}  // namespace

graph::Graph fomo(const ModelOptions& o) { return detector(o, "fomo", 0); }

graph::Graph box_detector(const ModelOptions& o) { return detector(o, "box_detector", kBoxValues); }

}  // namespace tinyforge::zoo
