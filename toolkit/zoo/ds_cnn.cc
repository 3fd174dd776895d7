// DS-CNN for keyword spotting as MLPerf Tiny trains it (benchmark/training/keyword_spotting):
// 49x10 MFCC input, Conv2D(64, 10x4, stride 2, SAME) + BatchNorm + ReLU + Dropout(0.2), four
// depthwise-separable blocks (3x3 depthwise, BN, ReLU, 1x1 conv, BN, ReLU), Dropout(0.4), an
// average pool over the whole feature map, Flatten and Dense(12).
#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

graph::Graph ds_cnn(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {49, 10, 1});
  detail::expect_rank("ds_cnn", input, 3, "[frames, coefficients, 1]");
  const std::vector<int> filters = detail::or_default(o.filters, {64, 64, 64, 64, 64});
  const float dropout = detail::or_default(o.dropout, 0.2f);
  int x = b.input(input);
  x = b.conv2d(x, {.filters = filters[0],
                   .kernel_h = 10,
                   .kernel_w = 4,
                   .stride_h = 2,
                   .stride_w = 2,
                   .padding = graph::Padding::kSame,
                   .kernel_init = o.kernel_init});
  x = b.relu(b.batch_norm(x));
  x = b.dropout(x, dropout);
  // One block per entry after the first: the pointwise convolution sets the channels.
  for (size_t i = 1; i < filters.size(); ++i) {
    x = b.depthwise_conv2d(x, {.padding = graph::Padding::kSame, .kernel_init = o.kernel_init});
    x = b.relu(b.batch_norm(x));
    x = b.conv2d(x, {.filters = filters[i],
                     .kernel_h = 1,
                     .kernel_w = 1,
                     .padding = graph::Padding::kSame,
                     .kernel_init = o.kernel_init});
    x = b.relu(b.batch_norm(x));
  }
  x = b.dropout(x, 2.0f * dropout);
  const graph::Shape& s = b.shape(x);
  x = b.average_pool2d(x, {.pool_h = static_cast<int>(s[1]), .pool_w = static_cast<int>(s[2])});
  x = b.flatten(x);
  x = detail::classifier_head(b, x, detail::or_default(o.classes, 12), o);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
