// The export pipeline's order: Dropout first (it may sit between a conv and its BatchNorm), then
// constants (a folded weight reshape is a plain constant again), then BatchNorm (it sits between
// a conv and its ReLU), then activation fusion.
#include "toolkit/quantize/passes.h"

namespace tinyforge::quantize {

graph::Graph prepare_for_export(const graph::Graph& g) {
  return fuse_activations(fold_batch_norm(fold_constants(drop_dropout(g))));
}

void prepare_for_export_in_place(graph::Graph& g) { g = prepare_for_export(g); }

}  // namespace tinyforge::quantize
