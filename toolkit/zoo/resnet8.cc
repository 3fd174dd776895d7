// ResNet-8 as MLPerf Tiny's image classification model builds it
// (benchmark/training/image_classification/keras_model.py, resnet_v1_eembc): 32x32x3 input, a
// 3x3 convolution with BatchNorm and ReLU, then three residual stacks of 16, 32 and 64 filters
// (two 3x3 convolutions with BatchNorm; stacks after the first stride 2 and take a 1x1 stride-2
// convolution as shortcut), Add + ReLU, an average pool, Flatten and Dense(10).
#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

graph::Graph resnet8(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {32, 32, 3});
  detail::expect_rank("resnet8", input, 3, "[height, width, channels]");
  const std::vector<int> filters = detail::or_default(o.filters, {16, 32, 64});
  const auto same3x3 = [&](int f, int stride) {
    return train::Conv2DOptions{.filters = f,
                                .stride_h = stride,
                                .stride_w = stride,
                                .padding = graph::Padding::kSame,
                                .kernel_init = o.kernel_init};
  };
  int x = b.input(input);
  x = b.relu(b.batch_norm(b.conv2d(x, same3x3(filters[0], 1))));
  for (size_t stack = 0; stack < filters.size(); ++stack) {
    const int stride = stack == 0 ? 1 : 2;
    int y = b.relu(b.batch_norm(b.conv2d(x, same3x3(filters[stack], stride))));
    y = b.batch_norm(b.conv2d(y, same3x3(filters[stack], 1)));
    if (stack > 0) {
      x = b.conv2d(x, {.filters = filters[stack],
                       .kernel_h = 1,
                       .kernel_w = 1,
                       .stride_h = 2,
                       .stride_w = 2,
                       .padding = graph::Padding::kSame,
                       .kernel_init = o.kernel_init});
    }
    x = b.add(x, y, graph::Activation::kRelu);
  }
  const graph::Shape& s = b.shape(x);
  const int pool = static_cast<int>(std::min(s[1], s[2]));
  x = b.average_pool2d(x, {.pool_h = pool, .pool_w = pool});
  x = b.flatten(x);
  x = detail::classifier_head(b, x, detail::or_default(o.classes, 10), o);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
