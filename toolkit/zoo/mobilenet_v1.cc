// MobileNetV1 (Howard et al. 2017) as MLPerf Tiny's visual wake words model builds it
// (benchmark/training/visual_wake_words/vww_model.py): 96x96x3 input, width multiplier 0.25, a
// 3x3 stride-2 convolution, 13 depthwise-separable blocks, each convolution followed by
// BatchNorm and ReLU, an average pool over the whole map, Flatten and Dense(2).
#include <algorithm>

#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

namespace {

struct Block {
  int pointwise_filters;  // at width 1
  int stride;             // of the depthwise convolution
};

constexpr Block kBlocks[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                             {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

}  // namespace

graph::Graph mobilenet_v1(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {96, 96, 3});
  detail::expect_rank("mobilenet_v1", input, 3, "[height, width, channels]");
  const float width = o.width > 0.0f ? o.width : 0.25f;
  // Keras' MobileNet: int(filters * alpha), at least one channel.
  auto scaled = [width](int filters) { return std::max(1, static_cast<int>(filters * width)); };
  int x = b.input(input);
  x = b.conv2d(x, {.filters = scaled(32),
                   .stride_h = 2,
                   .stride_w = 2,
                   .padding = graph::Padding::kSame,
                   .kernel_init = o.kernel_init});
  x = b.relu(b.batch_norm(x));
  for (const Block& block : kBlocks)
    x = detail::depthwise_separable_block(b, x, scaled(block.pointwise_filters), block.stride, o);
  const graph::Shape& s = b.shape(x);
  x = b.average_pool2d(x, {.pool_h = static_cast<int>(s[1]), .pool_w = static_cast<int>(s[2])});
  x = b.flatten(x);
  x = detail::classifier_head(b, x, detail::or_default(o.classes, 2), o);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
