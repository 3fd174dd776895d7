// Fused activations (attrs.activation) shared by the kernels that carry one: FullyConnected,
// Conv2D, DepthwiseConv2D and Add. TFLite applies them to the op's output, so forward clamps the
// output in place and backward masks the incoming gradient using that same (clamped) output.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_FUSED_ACTIVATION_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_FUSED_ACTIVATION_H_

#include <Eigen/Core>
#include <cstdint>

#include "toolkit/graph/graph.h"

namespace tinyforge::train {

// Applies `activation` to n floats in place.
inline void apply_activation(graph::Activation activation, float* data, int64_t n) {
  Eigen::Map<Eigen::ArrayXf> x(data, n);
  switch (activation) {
    case graph::Activation::kNone:
      return;
    case graph::Activation::kRelu:
      x = x.max(0.0f);
      return;
    case graph::Activation::kRelu6:
      x = x.max(0.0f).min(6.0f);
      return;
  }
}

inline void apply_activation(graph::Activation activation, graph::Tensor& tensor) {
  apply_activation(activation, tensor.data(), tensor.size());
}

// Multiplies grad (d loss / d activated output) by the activation's derivative, turning it into
// d loss / d pre-activation. Uses the activated output: y > 0 exactly where x > 0 for ReLU, and
// 0 < y < 6 exactly where the ReLU6 slope is one (the kink points get slope zero, as PyTorch does).
inline void activation_gradient(graph::Activation activation, const float* output, float* grad,
                                int64_t n) {
  Eigen::Map<const Eigen::ArrayXf> y(output, n);
  Eigen::Map<Eigen::ArrayXf> g(grad, n);
  switch (activation) {
    case graph::Activation::kNone:
      return;
    case graph::Activation::kRelu:
      g = (y > 0.0f).select(g, 0.0f);
      return;
    case graph::Activation::kRelu6:
      g = (y > 0.0f && y < 6.0f).select(g, 0.0f);
      return;
  }
}

inline void activation_gradient(graph::Activation activation, const graph::Tensor& output,
                                graph::Tensor& grad) {
  activation_gradient(activation, output.data(), grad.data(), grad.size());
}

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_FUSED_ACTIVATION_H_
