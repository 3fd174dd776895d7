// The multilayer perceptron of ../shared/baselines (Flatten -> Linear(784,128) -> ReLU ->
// Linear(128,10)); `hidden` lists the hidden layers' units.
#include "toolkit/zoo/defaults.h"

namespace tinyforge::zoo {

graph::Graph mlp(const ModelOptions& o) {
  graph::Graph g;
  train::LayerBuilder b(g, o.seed);
  int x = b.input(detail::or_default(o.input_shape, {28, 28, 1}));
  if (b.shape(x).size() > 2) x = b.flatten(x);
  x = detail::dense_layers_and_head(b, x, {128}, o);
  g.set_outputs({x});
  return g;
}

}  // namespace tinyforge::zoo
