// compute_op_kernel(): the dense, convolution, pooling and normalization kernels by op type.
#include "toolkit/train/ops/compute_kernels.h"
#include "toolkit/train/ops/registry.h"

namespace tinyforge::train {

const OpKernel* compute_op_kernel(graph::OpType type) {
  switch (type) {
    case graph::OpType::kFullyConnected:
      return &compute::fully_connected_kernel();
    case graph::OpType::kConv2D:
      return &compute::conv2d_kernel();
    case graph::OpType::kDepthwiseConv2D:
      return &compute::depthwise_conv2d_kernel();
    case graph::OpType::kMaxPool2D:
      return &compute::max_pool_kernel();
    case graph::OpType::kAveragePool2D:
      return &compute::average_pool_kernel();
    case graph::OpType::kBatchNorm:
      return &compute::batch_norm_kernel();
    default:
      return nullptr;
  }
}

}  // namespace tinyforge::train
