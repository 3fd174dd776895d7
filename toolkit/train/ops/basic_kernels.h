// The basic training kernels, one definition per op in ops/basic_*.cc, looked up by
// basic_op_kernel() (ops/basic_registry.cc).
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_KERNELS_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_KERNELS_H_

#include "toolkit/train/op_kernel.h"

namespace tinyforge::train::basic {

extern const OpKernel kRelu;  // basic_activations.cc
extern const OpKernel kRelu6;
extern const OpKernel kLeakyRelu;
extern const OpKernel kLogistic;
extern const OpKernel kTanh;
extern const OpKernel kHardSwish;
extern const OpKernel kSoftmax;  // basic_softmax.cc
extern const OpKernel kDropout;  // basic_dropout.cc
extern const OpKernel kReshape;  // basic_reshape.cc
extern const OpKernel kPad;      // basic_pad.cc
extern const OpKernel kAdd;      // basic_binary.cc
extern const OpKernel kMul;
extern const OpKernel kConcatenation;  // basic_concatenation.cc
extern const OpKernel kMean;           // basic_mean.cc

}  // namespace tinyforge::train::basic

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_BASIC_KERNELS_H_
