// Lookup of training kernels, split by family so each family lives in its own files.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_REGISTRY_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_REGISTRY_H_

#include "toolkit/train/op_kernel.h"

namespace tinyforge::train {

// Elementwise, activation, shape and combining ops (ops/basic_*.cc); nullptr if not one of them.
const OpKernel* basic_op_kernel(graph::OpType type);
// Dense, convolution, pooling and normalization ops (ops/compute_*.cc); nullptr otherwise.
const OpKernel* compute_op_kernel(graph::OpType type);
// Quantization-aware training's FakeQuant (ops/fake_quant.cc).
const OpKernel& fake_quant_kernel();

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_REGISTRY_H_
