// The compute kernel families, each in its own compute_*.cc; compute_op_kernel() (registry.h)
// picks among them.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_KERNELS_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_KERNELS_H_

#include "toolkit/train/op_kernel.h"

namespace tinyforge::train::compute {

const OpKernel& fully_connected_kernel();   // compute_dense.cc
const OpKernel& conv2d_kernel();            // compute_conv2d.cc
const OpKernel& depthwise_conv2d_kernel();  // compute_depthwise.cc
const OpKernel& max_pool_kernel();          // compute_pool.cc
const OpKernel& average_pool_kernel();      // compute_pool.cc
const OpKernel& batch_norm_kernel();        // compute_batch_norm.cc

}  // namespace tinyforge::train::compute

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_KERNELS_H_
