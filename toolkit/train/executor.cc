#include "toolkit/train/executor.h"

#include <string>

#include "toolkit/host/error.h"
#include "toolkit/train/op_kernel.h"

namespace tinyforge::train {

using graph::Shape;
using graph::Tensor;
using graph::ValueKind;

namespace {

// Values computed per batch live in the executor; weights, state and constants live in the graph.
bool held_by_graph(ValueKind kind) {
  return kind == ValueKind::kParameter || kind == ValueKind::kState || kind == ValueKind::kConstant;
}

// A fed tensor must match the declared input shape, except where it is -1 (the batch).
void check_input(const graph::Value& value, const Tensor& tensor, size_t index) {
  bool fits = tensor.shape().size() == value.shape.size();
  for (size_t d = 0; fits && d < value.shape.size(); ++d)
    fits = value.shape[d] < 0 || value.shape[d] == tensor.shape()[d];
  if (!fits) {
    throw host::Error("executor: input " + std::to_string(index) + " ('" + value.name +
                      "') has shape " + graph::shape_string(tensor.shape()) + ", expected " +
                      graph::shape_string(value.shape));
  }
}

// A BatchNorm whose scale is not trained (a frozen layer, train::freeze_layers) runs as in
// inference even while the rest trains: it normalizes with its moving statistics and never
// updates them, as Keras does for a layer with trainable = False.
bool frozen_batch_norm(const graph::Node& node, const std::vector<graph::Value>& values) {
  return node.type == graph::OpType::kBatchNorm && node.inputs.size() > 1 &&
         values[node.inputs[1]].kind != ValueKind::kParameter;
}

}  // namespace

Executor::Executor(graph::Graph& graph) : graph_(graph) {}

const std::vector<Tensor>& Executor::forward(const std::vector<Tensor>& inputs, bool training,
                                             std::mt19937_64& rng) {
  const auto& values = graph_.values();
  const auto& nodes = graph_.nodes();
  if (inputs.size() != graph_.inputs().size()) {
    throw host::Error("executor: given " + std::to_string(inputs.size()) +
                      " input tensors, the graph has " + std::to_string(graph_.inputs().size()) +
                      " inputs");
  }
  if (graph_.outputs().empty()) throw host::Error("executor: the graph has no outputs set");
  // Sized on every call: a pass or the trainer may have added values since construction.
  activations_.resize(values.size());
  saved_.resize(nodes.size());
  trained_forward_ = false;

  for (size_t i = 0; i < inputs.size(); ++i) {
    const int id = graph_.inputs()[i];
    check_input(values[id], inputs[i], i);
    activations_[id] = inputs[i];  // copy-assignment reuses the buffer of the previous batch
  }

  auto tensor_of = [&](int id) -> Tensor* {
    return held_by_graph(values[id].kind) ? &graph_.value(id).data : &activations_[id];
  };
  for (size_t n = 0; n < nodes.size(); ++n) {
    const graph::Node& node = nodes[n];
    ForwardContext ctx{node, {}, {}, training && !frozen_batch_norm(node, values), &rng, saved_[n]};
    ctx.inputs.reserve(node.inputs.size());
    for (int id : node.inputs) ctx.inputs.push_back(tensor_of(id));
    for (int id : node.outputs) ctx.outputs.push_back(&activations_[id]);
    op_kernel(node.type).forward(ctx);
  }

  outputs_.resize(graph_.outputs().size());
  for (size_t i = 0; i < outputs_.size(); ++i) outputs_[i] = *tensor_of(graph_.outputs()[i]);
  trained_forward_ = training;
  return outputs_;
}

void Executor::backward(const std::vector<Tensor>& output_grads) {
  if (!trained_forward_) throw host::Error("executor: backward() needs a training forward() first");
  const auto& values = graph_.values();
  const auto& nodes = graph_.nodes();
  const auto& outputs = graph_.outputs();
  if (output_grads.size() != outputs.size()) {
    throw host::Error("executor: given " + std::to_string(output_grads.size()) +
                      " output gradients, the graph has " + std::to_string(outputs.size()) +
                      " outputs");
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (output_grads[i].shape() != outputs_[i].shape()) {
      throw host::Error("executor: gradient " + std::to_string(i) + " has shape " +
                        graph::shape_string(output_grads[i].shape()) + ", output '" +
                        values[outputs[i]].name + "' has shape " +
                        graph::shape_string(outputs_[i].shape()));
    }
  }

  // A value needs a gradient when it depends on something we differentiate for (trainable
  // parameters, and the inputs when asked) AND the loss depends on it. Everything else (frozen
  // branches, the first layer's input gradient) is skipped, not computed and thrown away.
  std::vector<char> depends(values.size(), 0), reaches(values.size(), 0);
  for (size_t v = 0; v < values.size(); ++v) depends[v] = values[v].kind == ValueKind::kParameter;
  if (input_gradients_)
    for (int id : graph_.inputs()) depends[id] = 1;
  for (const graph::Node& node : nodes) {
    bool any = false;
    for (int id : node.inputs) any = any || depends[id];
    for (int id : node.outputs) depends[id] = any;
  }
  for (int id : outputs) reaches[id] = 1;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    bool any = false;
    for (int id : it->outputs) any = any || reaches[id];
    if (any)
      for (int id : it->inputs) reaches[id] = 1;
  }
  needs_grad_.assign(values.size(), 0);
  for (size_t v = 0; v < values.size(); ++v) needs_grad_[v] = depends[v] && reaches[v];

  // Gradients start at zero and every consumer adds its share, so a value feeding several nodes
  // (residual branches, concatenations) gets the sum. Every trainable parameter gets a gradient,
  // zero when the loss does not depend on it, so optimizers see one per parameter.
  gradients_.resize(values.size());
  for (size_t v = 0; v < values.size(); ++v) {
    if (values[v].kind == ValueKind::kParameter) {
      gradients_[v].reset(values[v].data.shape());
    } else if (needs_grad_[v]) {
      gradients_[v].reset(activations_[v].shape());
    } else if (!gradients_[v].empty()) {
      gradients_[v] = Tensor();  // not stale from an earlier call that needed it
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int id = outputs[i];
    if (!needs_grad_[id]) continue;
    Tensor& g = gradients_[id];
    for (int64_t k = 0; k < g.size(); ++k) g[k] += output_grads[i][k];
  }

  auto tensor_of = [&](int id) -> const Tensor* {
    return held_by_graph(values[id].kind) ? &values[id].data : &activations_[id];
  };
  for (size_t n = nodes.size(); n-- > 0;) {
    const graph::Node& node = nodes[n];
    // Skipped when no input wants a gradient, or when this node's output does not reach the loss
    // (its inputs may still need gradients through other consumers).
    bool wanted = false;
    for (int id : node.inputs) wanted = wanted || needs_grad_[id];
    for (int id : node.outputs) wanted = wanted && needs_grad_[id];
    if (!wanted) continue;
    BackwardContext ctx{node, {}, {}, {}, {}, saved_[n]};
    for (int id : node.inputs) {
      ctx.inputs.push_back(tensor_of(id));
      ctx.input_grads.push_back(needs_grad_[id] ? &gradients_[id] : nullptr);
    }
    for (int id : node.outputs) {
      ctx.outputs.push_back(&activations_[id]);
      ctx.output_grads.push_back(&gradients_[id]);
    }
    op_kernel(node.type).backward(ctx);
  }
}

const Tensor& Executor::gradient(int value_id) const {
  if (value_id < 0 || value_id >= static_cast<int>(gradients_.size()))
    throw host::Error("executor: no gradient for value id " + std::to_string(value_id) +
                      " (run backward() first)");
  return gradients_[value_id];
}

const Tensor& Executor::activation(int value_id) const {
  const graph::Value& value = graph_.value(value_id);
  if (held_by_graph(value.kind)) return value.data;
  if (value_id >= static_cast<int>(activations_.size()))
    throw host::Error("executor: no activation for '" + value.name + "' (run forward() first)");
  return activations_[value_id];
}

}  // namespace tinyforge::train
