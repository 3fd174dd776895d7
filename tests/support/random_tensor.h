// Host tensors of uniformly distributed values for tests of the training and quantization code.
#ifndef TINYFORGE_TESTS_SUPPORT_RANDOM_TENSOR_H_
#define TINYFORGE_TESTS_SUPPORT_RANDOM_TENSOR_H_

#include <random>

#include "toolkit/graph/tensor.h"

namespace tinyforge::testing {

// A tensor of `shape` with values uniform in [lo, hi), drawn from `rng` in element order.
template <typename Rng>
graph::Tensor uniform_tensor(graph::Shape shape, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  graph::Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = dist(rng);
  return t;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_RANDOM_TENSOR_H_
