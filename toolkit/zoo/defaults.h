// Small helpers shared by the zoo's builders: option defaults and the classifier head.
#ifndef TINYFORGE_TOOLKIT_ZOO_DEFAULTS_H_
#define TINYFORGE_TOOLKIT_ZOO_DEFAULTS_H_

#include <string>
#include <utility>
#include <vector>

#include "toolkit/host/error.h"
#include "toolkit/zoo/zoo.h"

namespace tinyforge::zoo::detail {

inline graph::Shape or_default(const graph::Shape& given, graph::Shape fallback) {
  return given.empty() ? fallback : given;
}
inline std::vector<int> or_default(const std::vector<int>& given, std::vector<int> fallback) {
  return given.empty() ? fallback : given;
}
inline int or_default(int given, int fallback) { return given > 0 ? given : fallback; }
inline float or_default(float given, float fallback) { return given >= 0.0f ? given : fallback; }

// The published recipes need inputs of a given rank (images [H,W,C], features [N]).
inline void expect_rank(const char* model, const graph::Shape& shape, size_t rank,
                        const char* what) {
  if (shape.size() != rank) {
    throw host::Error(std::string("model ") + model + ": input_shape " +
                      graph::shape_string(shape) + " has rank " + std::to_string(shape.size()) +
                      ", expected " + what);
  }
}

// MobileNetV1's depthwise-separable block: a 3x3 depthwise convolution of `stride`, then a 1x1
// convolution to `filters` channels, each followed by BatchNorm and ReLU.
inline int depthwise_separable_block(train::LayerBuilder& b, int x, int filters, int stride,
                                     const ModelOptions& o) {
  x = b.depthwise_conv2d(x, {.stride_h = stride,
                             .stride_w = stride,
                             .padding = graph::Padding::kSame,
                             .kernel_init = o.kernel_init});
  x = b.relu(b.batch_norm(x));
  x = b.conv2d(x, {.filters = filters,
                   .kernel_h = 1,
                   .kernel_w = 1,
                   .padding = graph::Padding::kSame,
                   .kernel_init = o.kernel_init});
  return b.relu(b.batch_norm(x));
}

// The last Dense layer of a classifier, and the softmax the Keras recipes end with if asked.
inline int classifier_head(train::LayerBuilder& b, int x, int classes, const ModelOptions& o) {
  x = b.dense(x, {.units = classes, .kernel_init = o.kernel_init, .name = "logits"});
  if (o.output_softmax) x = b.softmax(x);
  return x;
}

// Hidden ReLU dense layers (`o.hidden`, else `default_hidden`) and the classifier head, as the MLP
// and the small CNN end.
inline int dense_layers_and_head(train::LayerBuilder& b, int x, std::vector<int> default_hidden,
                                 const ModelOptions& o) {
  for (int units : or_default(o.hidden, std::move(default_hidden))) {
    x = b.dense(
        x, {.units = units, .activation = graph::Activation::kRelu, .kernel_init = o.kernel_init});
  }
  return classifier_head(b, x, or_default(o.classes, 10), o);
}

}  // namespace tinyforge::zoo::detail

#endif  // TINYFORGE_TOOLKIT_ZOO_DEFAULTS_H_
