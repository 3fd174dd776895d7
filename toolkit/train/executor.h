// Runs a graph on a batch (forward) and back-propagates (reverse-mode autograd over the IR).
#ifndef TINYFORGE_TOOLKIT_TRAIN_EXECUTOR_H_
#define TINYFORGE_TOOLKIT_TRAIN_EXECUTOR_H_

#include <random>
#include <vector>

#include "toolkit/graph/graph.h"

namespace tinyforge::train {

class Executor {
 public:
  // The graph must outlive the executor; parameters are read from (and state written to) it.
  explicit Executor(graph::Graph& graph);

  // Runs every node on `inputs` (one tensor per graph input, batch first). With `training`,
  // Dropout drops and BatchNorm uses batch statistics (and updates its moving averages), and
  // activations are kept for backward(). Returns the graph outputs.
  const std::vector<graph::Tensor>& forward(const std::vector<graph::Tensor>& inputs, bool training,
                                            std::mt19937_64& rng);

  // Back-propagates d loss / d output for each graph output (after a training forward()).
  // Gradients of trainable parameters are then in gradient(id), overwritten by each call.
  void backward(const std::vector<graph::Tensor>& output_grads);

  const graph::Tensor& gradient(int value_id) const;
  const graph::Tensor& activation(int value_id) const;

  // Also compute d loss / d graph input in backward() (gradient checks, saliency). Off by
  // default: training never needs it and it costs the backward pass of the first layer.
  void set_input_gradients(bool enabled) { input_gradients_ = enabled; }

 private:
  graph::Graph& graph_;
  std::vector<graph::Tensor> activations_;         // per value id
  std::vector<graph::Tensor> gradients_;           // per value id
  std::vector<std::vector<graph::Tensor>> saved_;  // per node
  std::vector<graph::Tensor> outputs_;
  std::vector<char> needs_grad_;  // per value id, from the last backward()
  bool input_gradients_ = false;
  bool trained_forward_ = false;  // backward() needs a training forward() first
};

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_EXECUTOR_H_
