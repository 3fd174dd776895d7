#include "toolkit/train/ops/basic_kernels.h"
#include "toolkit/train/ops/registry.h"

namespace tinyforge::train {

const OpKernel* basic_op_kernel(graph::OpType type) {
  using graph::OpType;
  switch (type) {
    case OpType::kRelu:
      return &basic::kRelu;
    case OpType::kRelu6:
      return &basic::kRelu6;
    case OpType::kLeakyRelu:
      return &basic::kLeakyRelu;
    case OpType::kLogistic:
      return &basic::kLogistic;
    case OpType::kTanh:
      return &basic::kTanh;
    case OpType::kHardSwish:
      return &basic::kHardSwish;
    case OpType::kSoftmax:
      return &basic::kSoftmax;
    case OpType::kDropout:
    case OpType::kQuantize:  // the identity on reals, as Dropout with its rate 0 is
      return &basic::kDropout;
    case OpType::kReshape:
      return &basic::kReshape;
    case OpType::kPad:
      return &basic::kPad;
    case OpType::kAdd:
      return &basic::kAdd;
    case OpType::kMul:
      return &basic::kMul;
    case OpType::kConcatenation:
      return &basic::kConcatenation;
    case OpType::kMean:
      return &basic::kMean;
    default:
      return nullptr;
  }
}

}  // namespace tinyforge::train
