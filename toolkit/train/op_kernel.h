// Training kernels: forward and backward of one IR op on float batches. One file per op family
// under toolkit/train/ops/, registered in ops/registry.cc.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OP_KERNEL_H_
#define TINYFORGE_TOOLKIT_TRAIN_OP_KERNEL_H_

#include <random>
#include <vector>

#include "toolkit/graph/graph.h"

namespace tinyforge::train {

using graph::Node;
using graph::Tensor;

struct ForwardContext {
  const Node& node;
  // Input tensors in node.inputs order. Ops may update kState inputs when `training` is set
  // (BatchNorm's moving statistics); nothing else is modified.
  std::vector<Tensor*> inputs;
  std::vector<Tensor*> outputs;  // to be resized and filled
  bool training;
  std::mt19937_64* rng;        // for Dropout
  std::vector<Tensor>& saved;  // anything backward needs (masks, normalized values), kept per node
};

struct BackwardContext {
  const Node& node;
  std::vector<const Tensor*> inputs;
  std::vector<const Tensor*> outputs;       // forward results
  std::vector<const Tensor*> output_grads;  // d loss / d output
  // d loss / d input, same shapes as the inputs, to be ADDED to (they may already hold gradients
  // from other consumers). Null where no gradient is needed (inputs, state, constants).
  std::vector<Tensor*> input_grads;
  const std::vector<Tensor>& saved;
};

struct OpKernel {
  void (*forward)(ForwardContext& ctx);
  void (*backward)(BackwardContext& ctx);
};

const OpKernel& op_kernel(graph::OpType type);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_OP_KERNEL_H_
