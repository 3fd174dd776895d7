// .tflite → IR for float models and hybrid ones (int8 weights with float activations): constant
// int8 weights are dequantized with their scales (real = scale[c] * (q - zero_point[c])), so the
// result is an ordinary float graph that trains, quantizes and writes like a zoo model. The IR
// keeps TFLite's weight layouts, so weights copy over unchanged. The batch dimension becomes -1.
#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "tflite_generated.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/metadata_json.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;
using graph::OpType;

class Importer {
 public:
  Importer(const std::vector<uint8_t>& bytes, std::string source)
      : bytes_(bytes), source_(std::move(source)) {}

  Imported run() {
    fb::Verifier verifier(bytes_.data(), bytes_.size());
    if (!tfl::VerifyModelBuffer(verifier)) {
      throw host::Error(source_ +
                        ": not a valid TFLite flatbuffer (expected file identifier "
                        "TFL3 and a well-formed Model table)");
    }
    model_ = tfl::GetModel(bytes_.data());
    if (model_->subgraphs() == nullptr || model_->subgraphs()->size() != 1) {
      throw host::Error(source_ + ": Model.subgraphs has " +
                        std::to_string(model_->subgraphs() ? model_->subgraphs()->size() : 0) +
                        " entries, expected exactly 1");
    }
    sub_ = model_->subgraphs()->Get(0);
    Imported result;
    result.metadata = read_metadata(*model_, source_);
    for (int32_t t : list(sub_->inputs(), "SubGraph.inputs")) add_input(t);
    const auto* ops = sub_->operators();
    for (uint32_t i = 0; ops != nullptr && i < ops->size(); ++i) add_operator(i, *ops->Get(i));
    std::vector<int> outputs;
    for (int32_t t : list(sub_->outputs(), "SubGraph.outputs")) outputs.push_back(value(t));
    g_.set_outputs(outputs);
    result.graph = std::move(g_);
    return result;
  }

 private:
  enum class Role { kParameter, kConstant };

  std::vector<int32_t> list(const fb::Vector<int32_t>* v, const char* field) const {
    if (v == nullptr) throw host::Error(source_ + ": " + field + " is missing");
    return std::vector<int32_t>(v->begin(), v->end());
  }

  const tfl::Buffer* buffer(uint32_t index) const {
    if (model_->buffers() == nullptr || index >= model_->buffers()->size()) return nullptr;
    return model_->buffers()->Get(index);
  }

  const tfl::Tensor& tensor(int32_t index) const {
    if (sub_->tensors() == nullptr || index < 0 ||
        static_cast<uint32_t>(index) >= sub_->tensors()->size()) {
      throw host::Error(source_ + ": tensor index " + std::to_string(index) + " is out of range");
    }
    return *sub_->tensors()->Get(index);
  }

  std::string tensor_name(int32_t index) const {
    const tfl::Tensor& t = tensor(index);
    return t.name() ? t.name()->str() : "tensor_" + std::to_string(index);
  }

  graph::Shape shape(int32_t index) const {
    graph::Shape s;
    if (const auto* dims = tensor(index).shape()) s.assign(dims->begin(), dims->end());
    return s;
  }

  // The data of a constant tensor as real values (int8 dequantized with its parameters), or
  // false when the tensor has no data.
  bool constant_data(int32_t index, graph::Tensor& out) const {
    auto alias = dequantized_.find(index);
    if (alias != dequantized_.end()) index = alias->second;
    const tfl::Tensor& t = tensor(index);
    const tfl::Buffer* b = buffer(t.buffer());
    if (t.buffer() == 0 || b == nullptr || b->data() == nullptr || b->data()->size() == 0) {
      if (b != nullptr && b->offset() > 1) {
        throw host::Error(source_ + ": tensor '" + tensor_name(index) +
                          "' keeps its data outside the flatbuffer (Buffer.offset), which the "
                          "importer does not read");
      }
      return false;
    }
    const uint8_t* data = b->data()->data();
    const graph::Shape s = shape(index);
    const int64_t n = graph::num_elements(s);
    std::vector<float> values(n);
    auto expect_bytes = [&](size_t width) {
      if (b->data()->size() != static_cast<size_t>(n) * width) {
        throw host::Error(source_ + ": tensor '" + tensor_name(index) + "' buffer has " +
                          std::to_string(b->data()->size()) + " bytes, expected " +
                          std::to_string(n * width) + " for shape " + graph::shape_string(s));
      }
    };
    switch (t.type()) {
      case tfl::TensorType::FLOAT32:
        expect_bytes(4);
        std::memcpy(values.data(), data, n * 4);
        break;
      case tfl::TensorType::INT32:
        expect_bytes(4);
        for (int64_t i = 0; i < n; ++i) {
          int32_t v;
          std::memcpy(&v, data + 4 * i, 4);
          values[i] = static_cast<float>(v);
        }
        break;
      case tfl::TensorType::INT64:
        expect_bytes(8);
        for (int64_t i = 0; i < n; ++i) {
          int64_t v;
          std::memcpy(&v, data + 8 * i, 8);
          values[i] = static_cast<float>(v);
        }
        break;
      case tfl::TensorType::INT8:
        expect_bytes(1);
        dequantize_int8(index, t, reinterpret_cast<const int8_t*>(data), s, values);
        break;
      default:
        throw host::Error(source_ + ": tensor '" + tensor_name(index) + "' has type " +
                          tfl::EnumNameTensorType(t.type()) +
                          ", expected float32, int8 (hybrid weights), int32 or int64 constants");
    }
    out = graph::Tensor(s, std::move(values));
    return true;
  }

  void dequantize_int8(int32_t index, const tfl::Tensor& t, const int8_t* q, const graph::Shape& s,
                       std::vector<float>& out) const {
    const tfl::QuantizationParameters* p = t.quantization();
    if (p == nullptr || p->scale() == nullptr || p->scale()->size() == 0) {
      throw host::Error(source_ + ": int8 tensor '" + tensor_name(index) +
                        "' has no quantization scale, expected hybrid weights with scales");
    }
    const auto* scales = p->scale();
    const auto* zero_points = p->zero_point();
    const int axis = p->quantized_dimension();
    int64_t inner = 1, channels = 1;
    if (scales->size() > 1) {
      if (axis < 0 || axis >= static_cast<int>(s.size()) ||
          s[axis] != static_cast<int64_t>(scales->size())) {
        throw host::Error(source_ + ": tensor '" + tensor_name(index) + "' has " +
                          std::to_string(scales->size()) + " scales along quantized_dimension " +
                          std::to_string(axis) + ", expected the size of that dimension");
      }
      channels = s[axis];
      for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const size_t c = channels == 1 ? 0 : (i / inner) % channels;
      const int64_t zp =
          zero_points != nullptr && c < zero_points->size() ? zero_points->Get(c) : 0;
      out[i] = scales->Get(c) * static_cast<float>(q[i] - zp);
    }
  }

  void add_input(int32_t index) {
    const tfl::Tensor& t = tensor(index);
    if (t.type() != tfl::TensorType::FLOAT32) {
      throw host::Error(source_ + ": input '" + tensor_name(index) + "' has type " +
                        tfl::EnumNameTensorType(t.type()) +
                        ", expected float32 (the importer reads float and hybrid models)");
    }
    graph::Shape s = shape(index);
    if (s.empty()) throw host::Error(source_ + ": input '" + tensor_name(index) + "' is a scalar");
    s[0] = -1;  // the batch
    value_of_tensor_[index] = g_.add_input(tensor_name(index), s);
  }

  // The IR value of a tensor; constants become parameters (weights, biases) or constants.
  int value(int32_t index, Role role = Role::kConstant) {
    auto it = value_of_tensor_.find(index);
    if (it != value_of_tensor_.end()) return it->second;
    graph::Tensor data;
    if (!constant_data(index, data)) {
      throw host::Error(source_ + ": tensor '" + tensor_name(index) +
                        "' is read before any operator writes it");
    }
    const int id = role == Role::kParameter ? g_.add_parameter(tensor_name(index), std::move(data))
                                            : g_.add_constant(tensor_name(index), std::move(data));
    value_of_tensor_[index] = id;
    return id;
  }

  // The values of an int32/int64 constant operand (axes, shape, paddings).
  std::vector<int64_t> int_operand(const tfl::Operator& op, size_t i, const char* what) {
    graph::Tensor data;
    if (op.inputs()->size() <= i || !constant_data(op.inputs()->Get(i), data)) {
      throw host::Error(source_ + ": operator " + std::to_string(op_index_) + " " + what +
                        " must be a constant tensor");
    }
    std::vector<int64_t> out;
    for (float v : data.values()) out.push_back(static_cast<int64_t>(v));
    return out;
  }

  [[noreturn]] void refuse(const std::string& op_name, const std::string& why) const {
    throw host::Error(source_ + ": operator " + std::to_string(op_index_) + " (" + op_name +
                      "): " + why);
  }

  graph::Padding padding(tfl::Padding p) const {
    return p == tfl::Padding::SAME ? graph::Padding::kSame : graph::Padding::kValid;
  }

  // Fused activations: the IR's FC, conv, depthwise and ADD carry RELU/RELU6 themselves; for the
  // other ops `separate` asks for a following node.
  graph::Activation fused(tfl::ActivationFunctionType a, const std::string& op_name) const {
    switch (a) {
      case tfl::ActivationFunctionType::NONE:
        return graph::Activation::kNone;
      case tfl::ActivationFunctionType::RELU:
        return graph::Activation::kRelu;
      case tfl::ActivationFunctionType::RELU6:
        return graph::Activation::kRelu6;
      default:
        refuse(op_name, std::string("fused activation ") + tfl::EnumNameActivationFunctionType(a) +
                            " is not supported (RELU and RELU6 are)");
    }
  }

  void add_operator(uint32_t op_index, const tfl::Operator& op) {
    op_index_ = op_index;
    const auto* codes = model_->operator_codes();
    if (codes == nullptr || op.opcode_index() >= codes->size()) {
      throw host::Error(source_ + ": operator " + std::to_string(op_index) + " has opcode_index " +
                        std::to_string(op.opcode_index()) + ", out of range");
    }
    const tfl::OperatorCode* code = codes->Get(op.opcode_index());
    // builtin_code supersedes deprecated_builtin_code; files from old writers only fill the latter.
    const auto builtin = static_cast<tfl::BuiltinOperator>(
        std::max<int32_t>(static_cast<int32_t>(code->builtin_code()),
                          static_cast<int32_t>(code->deprecated_builtin_code())));
    const std::string name = tfl::EnumNameBuiltinOperator(builtin);
    if (op.inputs() == nullptr || op.outputs() == nullptr || op.outputs()->size() != 1) {
      refuse(name, "expected inputs and exactly one output");
    }
    const int32_t out_tensor = op.outputs()->Get(0);
    std::vector<int32_t> in(op.inputs()->begin(), op.inputs()->end());
    graph::Attributes a;
    graph::Activation separate = graph::Activation::kNone;  // activation as a node after the op
    std::vector<int> inputs;
    OpType type;
    auto options_or_refuse = [&](const auto* options) {
      if (options == nullptr) refuse(name, "builtin_options are missing");
      return options;
    };
    auto weights_and_bias = [&] {
      if (in.size() < 2) refuse(name, "expected inputs x, weights[, bias]");
      inputs = {value(in[0]), value(in[1], Role::kParameter)};
      if (in.size() > 2 && in[2] >= 0) inputs.push_back(value(in[2], Role::kParameter));
    };
    switch (builtin) {
      case tfl::BuiltinOperator::FULLY_CONNECTED: {
        const auto* o = options_or_refuse(op.builtin_options_as_FullyConnectedOptions());
        if (o->weights_format() != tfl::FullyConnectedOptionsWeightsFormat::DEFAULT) {
          refuse(name, "weights_format SHUFFLED4x16INT8 is not supported");
        }
        type = OpType::kFullyConnected;
        weights_and_bias();
        a.activation = fused(o->fused_activation_function(), name);
        const graph::Shape x = shape(in[0]);
        if (o->keep_num_dims() && x.size() > 2) refuse(name, "keep_num_dims on rank > 2 input");
        break;
      }
      case tfl::BuiltinOperator::CONV_2D:
      case tfl::BuiltinOperator::DEPTHWISE_CONV_2D: {
        const bool depthwise = builtin == tfl::BuiltinOperator::DEPTHWISE_CONV_2D;
        if (depthwise) {
          const auto* o = options_or_refuse(op.builtin_options_as_DepthwiseConv2DOptions());
          a.padding = padding(o->padding());
          a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
          a.dilation_h = o->dilation_h_factor(), a.dilation_w = o->dilation_w_factor();
          a.activation = fused(o->fused_activation_function(), name);
          type = OpType::kDepthwiseConv2D;
        } else {
          const auto* o = options_or_refuse(op.builtin_options_as_Conv2DOptions());
          a.padding = padding(o->padding());
          a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
          a.dilation_h = o->dilation_h_factor(), a.dilation_w = o->dilation_w_factor();
          a.activation = fused(o->fused_activation_function(), name);
          type = OpType::kConv2D;
        }
        weights_and_bias();
        break;
      }
      case tfl::BuiltinOperator::MAX_POOL_2D:
      case tfl::BuiltinOperator::AVERAGE_POOL_2D: {
        const auto* o = options_or_refuse(op.builtin_options_as_Pool2DOptions());
        type = builtin == tfl::BuiltinOperator::MAX_POOL_2D ? OpType::kMaxPool2D
                                                            : OpType::kAveragePool2D;
        a.padding = padding(o->padding());
        a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
        a.filter_h = o->filter_height(), a.filter_w = o->filter_width();
        separate = fused(o->fused_activation_function(), name);
        inputs = {value(in.at(0))};
        break;
      }
      case tfl::BuiltinOperator::MEAN: {
        type = OpType::kMean;
        for (int64_t axis : int_operand(op, 1, "axes")) a.axes.push_back(static_cast<int>(axis));
        const auto* o = op.builtin_options_as_ReducerOptions();
        a.keep_dims = o != nullptr && o->keep_dims();
        inputs = {value(in.at(0))};
        break;
      }
      case tfl::BuiltinOperator::RELU:
      case tfl::BuiltinOperator::RELU6:
      case tfl::BuiltinOperator::LOGISTIC:
      case tfl::BuiltinOperator::TANH:
      case tfl::BuiltinOperator::HARD_SWISH:
        type = builtin == tfl::BuiltinOperator::RELU       ? OpType::kRelu
               : builtin == tfl::BuiltinOperator::RELU6    ? OpType::kRelu6
               : builtin == tfl::BuiltinOperator::LOGISTIC ? OpType::kLogistic
               : builtin == tfl::BuiltinOperator::TANH     ? OpType::kTanh
                                                           : OpType::kHardSwish;
        inputs = {value(in.at(0))};
        break;
      case tfl::BuiltinOperator::LEAKY_RELU: {
        const auto* o = options_or_refuse(op.builtin_options_as_LeakyReluOptions());
        type = OpType::kLeakyRelu;
        a.alpha = o->alpha();
        inputs = {value(in.at(0))};
        break;
      }
      case tfl::BuiltinOperator::SOFTMAX: {
        const auto* o = op.builtin_options_as_SoftmaxOptions();
        type = OpType::kSoftmax;
        a.beta = o != nullptr ? o->beta() : 1.0f;
        inputs = {value(in.at(0))};
        break;
      }
      case tfl::BuiltinOperator::RESHAPE: {
        // The static output shape says it all; its first dimension is the batch.
        type = OpType::kReshape;
        const graph::Shape x = shape(in.at(0));
        a.new_shape = shape(out_tensor);
        if (x.empty() || a.new_shape.empty() || x[0] != a.new_shape[0]) {
          refuse(name, "reshapes " + graph::shape_string(x) + " to " +
                           graph::shape_string(a.new_shape) +
                           ", expected the batch (first dimension) to stay in place");
        }
        a.new_shape[0] = -1;
        inputs = {value(in[0])};
        break;
      }
      case tfl::BuiltinOperator::PAD: {
        type = OpType::kPad;
        a.paddings = int_operand(op, 1, "paddings");
        inputs = {value(in.at(0))};
        break;
      }
      case tfl::BuiltinOperator::ADD: {
        const auto* o = op.builtin_options_as_AddOptions();
        type = OpType::kAdd;
        if (o != nullptr) a.activation = fused(o->fused_activation_function(), name);
        if (in.size() != 2) refuse(name, "expected 2 inputs");
        inputs = {value(in[0]), value(in[1])};
        break;
      }
      case tfl::BuiltinOperator::MUL: {
        const auto* o = op.builtin_options_as_MulOptions();
        type = OpType::kMul;
        if (o != nullptr) separate = fused(o->fused_activation_function(), name);
        if (in.size() != 2) refuse(name, "expected 2 inputs");
        inputs = {value(in[0]), value(in[1])};
        break;
      }
      case tfl::BuiltinOperator::CONCATENATION: {
        const auto* o = options_or_refuse(op.builtin_options_as_ConcatenationOptions());
        type = OpType::kConcatenation;
        a.axis = o->axis();
        separate = fused(o->fused_activation_function(), name);
        for (int32_t t : in) inputs.push_back(value(t));
        break;
      }
      case tfl::BuiltinOperator::DEQUANTIZE: {
        // Weights stored as int8 and dequantized at run time: dequantize them now instead.
        graph::Tensor probe;
        if (in.size() != 1 || !constant_data(in[0], probe)) {
          refuse(name, "dequantizes a computed tensor; only constant weights can be imported");
        }
        dequantized_[out_tensor] = in[0];
        return;
      }
      default:
        refuse(name,
               "operator is not supported by the importer (supported: FULLY_CONNECTED, "
               "CONV_2D, DEPTHWISE_CONV_2D, MAX/AVERAGE_POOL_2D, MEAN, RELU, RELU6, "
               "LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH, SOFTMAX, RESHAPE, PAD, ADD, MUL, "
               "CONCATENATION, DEQUANTIZE of constants)");
    }
    const tfl::Tensor& out = tensor(out_tensor);
    if (out.type() != tfl::TensorType::FLOAT32) {
      refuse(name, std::string("output '") + tensor_name(out_tensor) + "' has type " +
                       tfl::EnumNameTensorType(out.type()) + ", expected float32");
    }
    int id = g_.add_node(type, inputs, a, tensor_name(out_tensor));
    if (separate != graph::Activation::kNone) {
      id = g_.add_node(separate == graph::Activation::kRelu ? OpType::kRelu : OpType::kRelu6, {id},
                       {}, tensor_name(out_tensor) + "/activation");
    }
    // The IR's inferred shape must match the file's (the batch aside).
    graph::Shape want = shape(out_tensor), got = g_.value(id).shape;
    if (!want.empty()) want[0] = -1;
    if (!got.empty()) got[0] = -1;
    if (want != got) {
      refuse(name, "the file says output '" + tensor_name(out_tensor) + "' has shape " +
                       graph::shape_string(shape(out_tensor)) + ", TFLite's semantics give " +
                       graph::shape_string(g_.value(id).shape));
    }
    value_of_tensor_[out_tensor] = id;
  }

  const std::vector<uint8_t>& bytes_;
  std::string source_;
  const tfl::Model* model_ = nullptr;
  const tfl::SubGraph* sub_ = nullptr;
  graph::Graph g_;
  std::map<int32_t, int> value_of_tensor_;
  std::map<int32_t, int32_t> dequantized_;  // DEQUANTIZE output tensor → its constant input
  uint32_t op_index_ = 0;
};

}  // namespace

Imported import_tflite(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = host::read_file(path);
  // The importer reads only what the runtime's verifier accepted at the structure level (offsets,
  // indices, shapes against buffer sizes, execution order), whatever it can run.
  const host::ModelFile verified(bytes.data(), bytes.size(), path.string(),
                                 /*allow_unrunnable=*/true);
  return Importer(bytes, path.string()).run();
}

}  // namespace tinyforge::tflite
