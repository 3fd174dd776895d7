// The one IR: values (inputs, parameters, activations) and nodes (ops) in execution order, with
// shapes. Training runs it (toolkit/train), quantization rewrites it (toolkit/quantize), and the
// TFLite writer exports it (toolkit/tflite). Op semantics and weight layouts follow TFLite, so
// export is a direct mapping:
//   kFullyConnected  inputs x [N, in] (higher ranks flatten to [N, in]), weights [units, in], bias
//   [units] kConv2D          x [N,H,W,C], filter [out, kh, kw, C], bias [out] kDepthwiseConv2D x
//   [N,H,W,C], filter [1, kh, kw, C*multiplier], bias [C*multiplier] kBatchNorm       x [..., C],
//   gamma, beta, moving_mean, moving_variance (each [C]) kMean            x, attrs.axes (e.g. {1,
//   2} for global average pooling), attrs.keep_dims kPad             x, attrs.paddings
//   (before/after per dimension, zeros) kAdd, kMul       two inputs of the same shape (or
//   broadcastable as TFLite) kConcatenation   any number of inputs along attrs.axis kFakeQuant x [,
//   range]: quantization-aware training (toolkit/quantize/qat.h). With a
//                    range input (state [2] = moving min, max): per-tensor int8 activations;
//                    without: per-channel symmetric int8 weights along attrs.axis
//   kQuantize        x: requantization between integer types (TFLite QUANTIZE), inserted by
//                    mixed precision (toolkit/quantize/mixed_precision.h); the identity on reals
// The first dimension of activations is the batch; inputs declare it as -1 (any).
#ifndef TINYFORGE_TOOLKIT_GRAPH_GRAPH_H_
#define TINYFORGE_TOOLKIT_GRAPH_GRAPH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tinyforge/tensor.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::graph {

enum class OpType : uint8_t {
  kFullyConnected,
  kConv2D,
  kDepthwiseConv2D,
  kMaxPool2D,
  kAveragePool2D,
  kMean,
  kBatchNorm,
  kRelu,
  kRelu6,
  kLeakyRelu,
  kLogistic,
  kTanh,
  kHardSwish,
  kSoftmax,
  kDropout,
  kReshape,
  kPad,
  kAdd,
  kMul,
  kConcatenation,
  kFakeQuant,
  kQuantize,
};

const char* op_type_name(OpType type);

enum class Padding : uint8_t { kValid, kSame };
enum class Activation : uint8_t { kNone, kRelu, kRelu6 };

// Attributes of every op; each op reads the fields that concern it.
struct Attributes {
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int filter_h = 1, filter_w = 1;  // pooling window
  Padding padding = Padding::kValid;
  Activation activation = Activation::kNone;  // fused into FC, conv, depthwise, add
  float alpha = 0.2f;                         // LeakyReLU negative slope
  float rate = 0.0f;                          // Dropout probability of dropping
  float epsilon = 1e-3f;                      // BatchNorm
  float momentum = 0.99f;                     // BatchNorm moving-average momentum (Keras)
  float beta = 1.0f;                          // Softmax temperature
  Shape new_shape;                            // Reshape; batch stays -1
  std::vector<int64_t> paddings;              // Pad: before0, after0, before1, after1, ...
  std::vector<int> axes;                      // Mean
  bool keep_dims = false;                     // Mean
  int axis = -1;                              // Concatenation, Softmax
};

enum class ValueKind : uint8_t {
  kActivation,  // computed by a node
  kInput,       // fed by the caller
  kParameter,   // trainable weights
  kState,       // non-trainable state updated in training (BatchNorm moving statistics)
  kConstant,    // fixed data
};

// Quantization of a value once the graph is quantized; empty scales = float.
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int axis = 0;
};

struct Value {
  std::string name;
  Shape shape;
  ValueKind kind = ValueKind::kActivation;
  DataType dtype = DataType::kFloat32;
  Tensor data;  // parameters, state and constants
  Quantization quantization;
};

struct Node {
  OpType type;
  std::string name;
  std::vector<int> inputs;   // value ids
  std::vector<int> outputs;  // value ids
  Attributes attrs;
};

class Graph {
 public:
  int add_input(std::string name, Shape shape);
  int add_parameter(std::string name, Tensor value, bool trainable = true);
  int add_constant(std::string name, Tensor value);
  // Appends a node; its output value is created with the inferred shape. Returns the output id.
  // Throws host::Error naming the node when the inputs do not fit the op.
  int add_node(OpType type, std::vector<int> inputs, Attributes attrs = {}, std::string name = "");
  void set_outputs(std::vector<int> outputs) { outputs_ = std::move(outputs); }

  const std::vector<Value>& values() const { return values_; }
  std::vector<Value>& values() { return values_; }
  const Value& value(int id) const { return values_.at(id); }
  Value& value(int id) { return values_.at(id); }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }

  // Trainable parameter ids, in creation order.
  std::vector<int> trainable_parameters() const;
  int64_t parameter_count() const;  // elements of parameters and state
  int64_t macs() const;             // multiply-accumulates per sample

  // Re-derives every activation's shape from the inputs (after a pass rewrote the graph).
  void infer_shapes();

 private:
  std::string unique_name(std::string base);
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
};

// Output shape of a node given its input shapes (batch dimension -1 propagates). Throws
// host::Error naming the node and what does not fit.
Shape infer_shape(const Node& node, const std::vector<Shape>& input_shapes);
// Multiply-accumulates of one node for one sample.
int64_t node_macs(const Node& node, const std::vector<Shape>& input_shapes,
                  const Shape& output_shape);

}  // namespace tinyforge::graph

#endif  // TINYFORGE_TOOLKIT_GRAPH_GRAPH_H_
