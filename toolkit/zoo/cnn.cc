// The small CNN of ../shared/baselines: per entry of `filters` a 3x3 SAME convolution with ReLU
// and a 2x2 max pool, then Flatten, Dense(hidden..., ReLU) and the classifier.
#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

graph::Graph cnn(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {28, 28, 1});
  detail::expect_rank("cnn", input, 3, "[height, width, channels]");
  int x = b.input(input);
  for (int filters : detail::or_default(o.filters, {16, 32})) {
    x = b.conv2d(x, {.filters = filters,
                     .padding = graph::Padding::kSame,
                     .activation = graph::Activation::kRelu,
                     .kernel_init = o.kernel_init});
    x = b.max_pool2d(x);
  }
  x = b.flatten(x);
  x = detail::dense_layers_and_head(b, x, {64}, o);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
