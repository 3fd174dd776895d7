// The fully connected autoencoder of MLPerf Tiny's anomaly detection benchmark
// (benchmark/training/anomaly_detection/keras_model.py): 640 inputs (5 frames of 128 log-mel
// bins), four Dense(128) + BatchNorm + ReLU, a Dense(8) bottleneck with BatchNorm + ReLU, four
// more Dense(128) + BatchNorm + ReLU and a linear Dense(640) reconstructing the input.
#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

graph::Graph autoencoder(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  const graph::Shape input = detail::or_default(o.input_shape, {640});
  int x = b.input(input);
  if (input.size() > 1) x = b.flatten(x);
  const int64_t features = b.shape(x)[1];
  const std::vector<int> hidden = detail::or_default(o.hidden, {128, 128, 128, 128});
  auto block = [&](int units) {
    x = b.dense(x, {.units = units, .kernel_init = o.kernel_init});
    x = b.relu(b.batch_norm(x));
  };
  for (int units : hidden) block(units);
  block(detail::or_default(o.bottleneck, 8));
  for (auto it = hidden.rbegin(); it != hidden.rend(); ++it) block(*it);
  x = b.dense(x, {.units = static_cast<int>(features),
                  .kernel_init = o.kernel_init,
                  .name = "reconstruction"});
  if (input.size() > 1) x = b.reshape(x, input);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
