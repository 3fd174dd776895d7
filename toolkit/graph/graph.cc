#include "toolkit/graph/graph.h"

#include <cctype>
#include <utility>

#include "toolkit/host/error.h"

namespace tinyforge::graph {

const char* op_type_name(OpType type) {
  switch (type) {
    case OpType::kFullyConnected:
      return "FullyConnected";
    case OpType::kConv2D:
      return "Conv2D";
    case OpType::kDepthwiseConv2D:
      return "DepthwiseConv2D";
    case OpType::kMaxPool2D:
      return "MaxPool2D";
    case OpType::kAveragePool2D:
      return "AveragePool2D";
    case OpType::kMean:
      return "Mean";
    case OpType::kBatchNorm:
      return "BatchNorm";
    case OpType::kRelu:
      return "Relu";
    case OpType::kRelu6:
      return "Relu6";
    case OpType::kLeakyRelu:
      return "LeakyRelu";
    case OpType::kLogistic:
      return "Logistic";
    case OpType::kTanh:
      return "Tanh";
    case OpType::kHardSwish:
      return "HardSwish";
    case OpType::kSoftmax:
      return "Softmax";
    case OpType::kDropout:
      return "Dropout";
    case OpType::kReshape:
      return "Reshape";
    case OpType::kPad:
      return "Pad";
    case OpType::kAdd:
      return "Add";
    case OpType::kMul:
      return "Mul";
    case OpType::kConcatenation:
      return "Concatenation";
    case OpType::kFakeQuant:
      return "FakeQuant";
    case OpType::kQuantize:
      return "Quantize";
  }
  return "Unknown";
}

namespace {

// "DepthwiseConv2D" -> "depthwise_conv2d": the default name of an unnamed node.
std::string default_node_name(OpType type) {
  std::string name;
  const std::string camel = op_type_name(type);
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && !std::isdigit(static_cast<unsigned char>(camel[i - 1]))) name += '_';
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      name += c;
    }
  }
  return name;
}

}  // namespace

// Values and nodes share one namespace (a node's output value takes the node's name), so a name
// is taken if either uses it; repeats get "_1", "_2", ... like Keras layer names.
std::string Graph::unique_name(std::string base) {
  if (base.empty()) base = "value";
  auto taken = [this](const std::string& name) {
    for (const Value& v : values_)
      if (v.name == name) return true;
    for (const Node& n : nodes_)
      if (n.name == name) return true;
    return false;
  };
  if (!taken(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!taken(candidate)) return candidate;
  }
}

int Graph::add_input(std::string name, Shape shape) {
  Value v;
  v.name = unique_name(std::move(name));
  v.shape = std::move(shape);
  v.kind = ValueKind::kInput;
  values_.push_back(std::move(v));
  const int id = static_cast<int>(values_.size()) - 1;
  inputs_.push_back(id);
  return id;
}

int Graph::add_parameter(std::string name, Tensor value, bool trainable) {
  Value v;
  v.name = unique_name(std::move(name));
  v.shape = value.shape();
  v.kind = trainable ? ValueKind::kParameter : ValueKind::kState;
  v.data = std::move(value);
  values_.push_back(std::move(v));
  return static_cast<int>(values_.size()) - 1;
}

int Graph::add_constant(std::string name, Tensor value) {
  Value v;
  v.name = unique_name(std::move(name));
  v.shape = value.shape();
  v.kind = ValueKind::kConstant;
  v.data = std::move(value);
  values_.push_back(std::move(v));
  return static_cast<int>(values_.size()) - 1;
}

int Graph::add_node(OpType type, std::vector<int> inputs, Attributes attrs, std::string name) {
  Node node;
  node.type = type;
  node.name = unique_name(name.empty() ? default_node_name(type) : std::move(name));
  node.inputs = std::move(inputs);
  node.attrs = std::move(attrs);
  std::vector<Shape> shapes;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int id = node.inputs[i];
    if (id < 0 || id >= static_cast<int>(values_.size())) {
      throw host::Error("node '" + node.name + "' (" + op_type_name(type) + "): input " +
                        std::to_string(i) + " is value id " + std::to_string(id) +
                        ", expected 0.." + std::to_string(static_cast<int>(values_.size()) - 1));
    }
    shapes.push_back(values_[id].shape);
  }
  // Inferred before anything is appended, so a refused node leaves the graph unchanged.
  Value out;
  out.shape = infer_shape(node, shapes);
  out.name = node.name;
  out.kind = ValueKind::kActivation;
  values_.push_back(std::move(out));
  const int out_id = static_cast<int>(values_.size()) - 1;
  node.outputs = {out_id};
  nodes_.push_back(std::move(node));
  return out_id;
}

std::vector<int> Graph::trainable_parameters() const {
  std::vector<int> ids;
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].kind == ValueKind::kParameter) ids.push_back(static_cast<int>(i));
  return ids;
}

int64_t Graph::parameter_count() const {
  int64_t count = 0;
  for (const Value& v : values_)
    if (v.kind == ValueKind::kParameter || v.kind == ValueKind::kState)
      count += num_elements(v.shape);
  return count;
}

int64_t Graph::macs() const {
  int64_t total = 0;
  for (const Node& node : nodes_) {
    std::vector<Shape> shapes;
    for (int id : node.inputs) shapes.push_back(values_.at(id).shape);
    total += node_macs(node, shapes, values_.at(node.outputs.at(0)).shape);
  }
  return total;
}

void Graph::infer_shapes() {
  // Stored data is the truth for weights: a pass may have replaced a parameter's tensor.
  for (Value& v : values_)
    if (v.kind != ValueKind::kActivation && v.kind != ValueKind::kInput && !v.data.empty())
      v.shape = v.data.shape();
  for (const Node& node : nodes_) {
    std::vector<Shape> shapes;
    for (int id : node.inputs) shapes.push_back(values_.at(id).shape);
    const Shape shape = infer_shape(node, shapes);
    for (int id : node.outputs) values_.at(id).shape = shape;
  }
}

}  // namespace tinyforge::graph
