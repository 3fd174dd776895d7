// Passes that turn a trained float graph into the graph a device runs, without changing what it
// computes (up to float rounding). Each returns a new graph; ids change, names stay.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_PASSES_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_PASSES_H_

#include "toolkit/graph/graph.h"

namespace tinyforge::quantize {

// Removes Dropout (the identity at inference).
graph::Graph drop_dropout(const graph::Graph& g);

// Evaluates every node whose inputs are all parameters, state or constants and replaces its
// output by a constant (reshaped or combined weights). Nodes that read a graph input stay.
graph::Graph fold_constants(const graph::Graph& g);

// Folds BatchNorm into the FullyConnected, Conv2D or DepthwiseConv2D before it when that op has
// no fused activation and its output feeds only the BatchNorm: per output channel c,
// s = gamma / sqrt(var + eps), w' = w * s, b' = (b - mean) * s + beta (a zero bias is added when
// the op had none). A BatchNorm that cannot be folded becomes Mul and Add by per-channel
// constants, which TFLite runs like any other op.
graph::Graph fold_batch_norm(const graph::Graph& g);

// Fuses a ReLU or ReLU6 into the FullyConnected, Conv2D, DepthwiseConv2D or Add that produces its
// input, when that op has no fused activation yet and nothing else reads its output.
graph::Graph fuse_activations(const graph::Graph& g);

// All of the above, in the order that lets each enable the next (Dropout between conv and
// BatchNorm, BatchNorm between conv and ReLU).
graph::Graph prepare_for_export(const graph::Graph& g);
// In place, for callers holding the graph.
void prepare_for_export_in_place(graph::Graph& g);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_PASSES_H_
