// IR → .tflite. One subgraph, operators in the IR's node order, one tensor per IR value the model
// uses plus the int32 constants TFLite takes as operands (MEAN axes, RESHAPE shape, PAD paddings).
// Layout choices: buffer 0 is the empty sentinel and every non-constant tensor points at it;
// constant data is 16-byte aligned in the file (the runtime needs 4, SIMD loads like 16); the
// batch dimension is written as 1 without shape_signature (LiteRT refuses dynamic batch).
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "tflite_generated.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/metadata_json.h"
#include "toolkit/tflite/op_version.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;
using graph::OpType;

constexpr uint32_t kSchemaVersion = 3;
constexpr size_t kDataAlignment = 16;

tfl::ActivationFunctionType activation(graph::Activation a) {
  switch (a) {
    case graph::Activation::kRelu:
      return tfl::ActivationFunctionType::RELU;
    case graph::Activation::kRelu6:
      return tfl::ActivationFunctionType::RELU6;
    case graph::Activation::kNone:
      break;
  }
  return tfl::ActivationFunctionType::NONE;
}

tfl::Padding padding(graph::Padding p) {
  return p == graph::Padding::kSame ? tfl::Padding::SAME : tfl::Padding::VALID;
}

tfl::TensorType tensor_type(DataType t) { return static_cast<tfl::TensorType>(t); }

bool quantized(const graph::Value& v) { return !v.quantization.scales.empty(); }

// Little-endian bytes of a value's data in its stored dtype.
std::vector<uint8_t> value_bytes(const graph::Value& v) {
  std::vector<uint8_t> bytes;
  if (v.dtype == DataType::kFloat32) {
    bytes.resize(v.data.size() * sizeof(float));
    if (!bytes.empty()) std::memcpy(bytes.data(), v.data.data(), bytes.size());
    return bytes;
  }
  const size_t width = dtype_size(v.dtype);
  if (width == 0 || v.dtype == DataType::kBool || v.dtype == DataType::kFloat16) {
    throw host::Error(std::string("value '") + v.name + "': dtype " + dtype_name(v.dtype) +
                      " cannot be written, expected float32, int8, int16, int32 or int64");
  }
  std::vector<int64_t> ints;
  if (quantized(v)) {
    ints = quantize_values(v);
  } else {
    // Plain integer constants (shapes, indices) are stored as exact floats in the IR.
    ints.reserve(v.data.size());
    for (float x : v.data.values()) ints.push_back(static_cast<int64_t>(x));
  }
  bytes.resize(ints.size() * width);
  for (size_t i = 0; i < ints.size(); ++i) {
    const uint64_t u = static_cast<uint64_t>(ints[i]);
    for (size_t b = 0; b < width; ++b) bytes[i * width + b] = static_cast<uint8_t>(u >> (8 * b));
  }
  return bytes;
}

class Writer {
 public:
  Writer(const graph::Graph& g, const WriteOptions& options) : g_(g), options_(options) {
    buffers_.push_back(tfl::CreateBuffer(fbb_));  // the empty sentinel
  }

  std::vector<uint8_t> run() {
    if (g_.outputs().empty()) throw host::Error("graph: no outputs, expected at least one");
    std::vector<int32_t> inputs, outputs;
    for (int id : g_.inputs()) inputs.push_back(model_input(id));
    for (const graph::Node& node : g_.nodes()) write_node(node);
    for (int id : g_.outputs()) outputs.push_back(model_output(id));
    for (int id : options_.extra_outputs) {
      if (id < 0 || id >= static_cast<int>(g_.values().size())) {
        throw host::Error("WriteOptions.extra_outputs: value id " + std::to_string(id) +
                          ", expected 0.." + std::to_string(g_.values().size() - 1));
      }
      outputs.push_back(tensor(id));
    }
    return finish(inputs, outputs);
  }

 private:
  // The tensor of an IR value, created on first use.
  int32_t tensor(int id) {
    auto it = tensor_of_value_.find(id);
    if (it != tensor_of_value_.end()) return it->second;
    const graph::Value& v = g_.value(id);
    uint32_t buffer = 0;
    if (v.kind == graph::ValueKind::kParameter || v.kind == graph::ValueKind::kState ||
        v.kind == graph::ValueKind::kConstant) {
      if (v.data.size() != graph::num_elements(v.shape)) {
        throw host::Error("value '" + v.name + "': data has " + std::to_string(v.data.size()) +
                          " elements, expected " + std::to_string(graph::num_elements(v.shape)) +
                          " for shape " + graph::shape_string(v.shape));
      }
      buffer = add_buffer(value_bytes(v));
    }
    const int32_t index = add_tensor(v.name, v.shape, v.dtype, buffer, &v.quantization);
    tensor_of_value_[id] = index;
    return index;
  }

  int32_t add_tensor(const std::string& name, const graph::Shape& shape, DataType dtype,
                     uint32_t buffer, const graph::Quantization* q) {
    std::vector<int32_t> dims;
    for (size_t d = 0; d < shape.size(); ++d) {
      // The IR's unknown batch becomes 1: static shapes everywhere.
      if (shape[d] == -1 && d == 0) {
        dims.push_back(1);
      } else if (shape[d] <= 0 && !(shape[d] == 0 && buffer != 0)) {
        throw host::Error("tensor '" + name + "': shape " + graph::shape_string(shape) +
                          ", expected known positive dimensions after the batch");
      } else {
        dims.push_back(static_cast<int32_t>(shape[d]));
      }
    }
    fb::Offset<tfl::QuantizationParameters> quant = 0;
    if (q != nullptr && !q->scales.empty()) {
      std::vector<int64_t> zero_points = q->zero_points;
      if (zero_points.empty()) zero_points.assign(q->scales.size(), 0);
      quant = tfl::CreateQuantizationParameters(
          fbb_, 0, 0, fbb_.CreateVector(q->scales), fbb_.CreateVector(zero_points),
          tfl::QuantizationDetails::NONE, 0, q->scales.size() > 1 ? q->axis : 0);
    }
    const auto dims_offset = fbb_.CreateVector(dims);
    const auto name_offset = fbb_.CreateString(name);
    tensors_.push_back(
        tfl::CreateTensor(fbb_, dims_offset, tensor_type(dtype), buffer, name_offset, quant));
    tensor_names_.push_back(name);
    return static_cast<int32_t>(tensors_.size()) - 1;
  }

  uint32_t add_buffer(const std::vector<uint8_t>& bytes) {
    fbb_.ForceVectorAlignment(bytes.size(), 1, kDataAlignment);
    const auto data = fbb_.CreateVector(bytes);
    buffers_.push_back(tfl::CreateBuffer(fbb_, data));
    return static_cast<uint32_t>(buffers_.size()) - 1;
  }

  int32_t int32_constant(const std::string& name, const std::vector<int32_t>& values,
                         const graph::Shape& shape) {
    std::vector<uint8_t> bytes(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
      const uint32_t u = static_cast<uint32_t>(values[i]);
      for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<uint8_t>(u >> (8 * b));
    }
    return add_tensor(name, shape, DataType::kInt32, add_buffer(bytes), nullptr);
  }

  uint32_t opcode(tfl::BuiltinOperator op, int32_t version) {
    const auto key = std::make_pair(static_cast<int32_t>(op), version);
    auto it = opcodes_.find(key);
    if (it != opcodes_.end()) return it->second;
    // Codes below 127 also go in deprecated_builtin_code, which older readers look at.
    const int8_t deprecated = static_cast<int32_t>(op) < 127 ? static_cast<int8_t>(op) : 127;
    codes_.push_back(tfl::CreateOperatorCode(fbb_, deprecated, 0, version, op));
    const uint32_t index = static_cast<uint32_t>(codes_.size()) - 1;
    opcodes_[key] = index;
    return index;
  }

  void add_operator(tfl::BuiltinOperator op, const OpSignature& sig,
                    const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
                    tfl::BuiltinOptions options_type = tfl::BuiltinOptions::NONE,
                    fb::Offset<void> options = 0) {
    const uint32_t code = opcode(op, op_version(sig));
    const auto in = fbb_.CreateVector(inputs);
    const auto out = fbb_.CreateVector(outputs);
    operators_.push_back(tfl::CreateOperator(fbb_, code, in, out, options_type, options));
  }

  // A graph input; with float_io a quantized one is fed as float32 through QUANTIZE.
  int32_t model_input(int id) {
    const graph::Value& v = g_.value(id);
    if (!options_.float_io || !quantized(v) || v.dtype == DataType::kFloat32) return tensor(id);
    const int32_t outer = add_tensor(v.name + "/float", v.shape, DataType::kFloat32, 0, nullptr);
    OpSignature sig{static_cast<int32_t>(tfl::BuiltinOperator::QUANTIZE), DataType::kFloat32,
                    DataType::kNone, v.dtype};
    add_operator(tfl::BuiltinOperator::QUANTIZE, sig, {outer}, {tensor(id)},
                 tfl::BuiltinOptions::QuantizeOptions, tfl::CreateQuantizeOptions(fbb_).Union());
    return outer;
  }

  // A graph output; with float_io a quantized one is returned as float32 through DEQUANTIZE.
  int32_t model_output(int id) {
    const graph::Value& v = g_.value(id);
    if (!options_.float_io || !quantized(v) || v.dtype == DataType::kFloat32) return tensor(id);
    const int32_t inner = tensor(id);
    const int32_t outer = add_tensor(v.name + "/float", v.shape, DataType::kFloat32, 0, nullptr);
    OpSignature sig{static_cast<int32_t>(tfl::BuiltinOperator::DEQUANTIZE), v.dtype,
                    DataType::kNone, DataType::kFloat32};
    add_operator(tfl::BuiltinOperator::DEQUANTIZE, sig, {inner}, {outer},
                 tfl::BuiltinOptions::DequantizeOptions,
                 tfl::CreateDequantizeOptions(fbb_).Union());
    return outer;
  }

  [[noreturn]] void refuse(const graph::Node& node, const std::string& why) {
    throw host::Error("node '" + node.name + "' (" + graph::op_type_name(node.type) + "): " + why);
  }

  void write_node(const graph::Node& node) {
    if (node.outputs.size() != 1)
      refuse(node, "has " + std::to_string(node.outputs.size()) + " outputs, expected 1");
    const graph::Attributes& a = node.attrs;
    const graph::Value& out = g_.value(node.outputs[0]);
    const graph::Value& in = g_.value(node.inputs.at(0));
    std::vector<int32_t> inputs;
    for (int id : node.inputs) inputs.push_back(tensor(id));
    const std::vector<int32_t> outputs = {tensor(node.outputs[0])};
    OpSignature sig;
    sig.input = in.dtype;
    sig.output = out.dtype;
    sig.input_rank = static_cast<int>(in.shape.size());
    const auto act = activation(a.activation);
    auto emit = [&](tfl::BuiltinOperator op, tfl::BuiltinOptions type = tfl::BuiltinOptions::NONE,
                    fb::Offset<void> options = 0) {
      sig.op = static_cast<int32_t>(op);
      add_operator(op, sig, inputs, outputs, type, options);
    };
    // Only FC, conv, depthwise, pooling, ADD, MUL and CONCATENATION carry a fused activation.
    auto no_fused_activation = [&] {
      if (a.activation != graph::Activation::kNone) {
        refuse(node, "has a fused activation, which TFLite's operator cannot carry");
      }
    };
    switch (node.type) {
      case OpType::kFullyConnected: {
        if (node.inputs.size() < 2) refuse(node, "expects inputs x, weights[, bias]");
        sig.weights = g_.value(node.inputs[1]).dtype;
        if (inputs.size() == 2) inputs.push_back(-1);  // omitted bias, as the converter writes it
        const auto options = tfl::CreateFullyConnectedOptions(fbb_, act);
        emit(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOptions::FullyConnectedOptions,
             options.Union());
        return;
      }
      case OpType::kConv2D: {
        sig.weights = g_.value(node.inputs.at(1)).dtype;
        if (inputs.size() == 2) inputs.push_back(-1);
        const auto options = tfl::CreateConv2DOptions(fbb_, padding(a.padding), a.stride_w,
                                                      a.stride_h, act, a.dilation_w, a.dilation_h);
        emit(tfl::BuiltinOperator::CONV_2D, tfl::BuiltinOptions::Conv2DOptions, options.Union());
        return;
      }
      case OpType::kDepthwiseConv2D: {
        const graph::Value& filter = g_.value(node.inputs.at(1));
        sig.weights = filter.dtype;
        sig.dilated = a.dilation_h != 1 || a.dilation_w != 1;
        if (inputs.size() == 2) inputs.push_back(-1);
        const int multiplier = static_cast<int>(filter.shape.at(3) / in.shape.at(3));
        const auto options =
            tfl::CreateDepthwiseConv2DOptions(fbb_, padding(a.padding), a.stride_w, a.stride_h,
                                              multiplier, act, a.dilation_w, a.dilation_h);
        emit(tfl::BuiltinOperator::DEPTHWISE_CONV_2D, tfl::BuiltinOptions::DepthwiseConv2DOptions,
             options.Union());
        return;
      }
      case OpType::kMaxPool2D:
      case OpType::kAveragePool2D: {
        const auto options = tfl::CreatePool2DOptions(fbb_, padding(a.padding), a.stride_w,
                                                      a.stride_h, a.filter_w, a.filter_h, act);
        emit(node.type == OpType::kMaxPool2D ? tfl::BuiltinOperator::MAX_POOL_2D
                                             : tfl::BuiltinOperator::AVERAGE_POOL_2D,
             tfl::BuiltinOptions::Pool2DOptions, options.Union());
        return;
      }
      case OpType::kMean: {
        no_fused_activation();
        std::vector<int32_t> axes;
        const int rank = static_cast<int>(in.shape.size());
        for (int axis : a.axes) axes.push_back(axis < 0 ? axis + rank : axis);
        inputs.push_back(
            int32_constant(node.name + "/axes", axes, {static_cast<int64_t>(axes.size())}));
        const auto options = tfl::CreateReducerOptions(fbb_, a.keep_dims);
        emit(tfl::BuiltinOperator::MEAN, tfl::BuiltinOptions::ReducerOptions, options.Union());
        return;
      }
      case OpType::kRelu:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::RELU);
      case OpType::kRelu6:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::RELU6);
      case OpType::kLeakyRelu: {
        no_fused_activation();
        const auto options = tfl::CreateLeakyReluOptions(fbb_, a.alpha);
        emit(tfl::BuiltinOperator::LEAKY_RELU, tfl::BuiltinOptions::LeakyReluOptions,
             options.Union());
        return;
      }
      case OpType::kLogistic:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::LOGISTIC);
      case OpType::kTanh:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::TANH);
      case OpType::kHardSwish:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::HARD_SWISH, tfl::BuiltinOptions::HardSwishOptions,
                    tfl::CreateHardSwishOptions(fbb_).Union());
      case OpType::kSoftmax: {
        no_fused_activation();
        const auto options = tfl::CreateSoftmaxOptions(fbb_, a.beta);
        emit(tfl::BuiltinOperator::SOFTMAX, tfl::BuiltinOptions::SoftmaxOptions, options.Union());
        return;
      }
      case OpType::kReshape: {
        no_fused_activation();
        // The resolved output shape with batch 1, both as the shape operand and in the options.
        std::vector<int32_t> shape;
        for (size_t d = 0; d < out.shape.size(); ++d) {
          shape.push_back(d == 0 && out.shape[d] == -1 ? 1 : static_cast<int32_t>(out.shape[d]));
        }
        inputs.push_back(
            int32_constant(node.name + "/shape", shape, {static_cast<int64_t>(shape.size())}));
        const auto options = tfl::CreateReshapeOptions(fbb_, fbb_.CreateVector(shape));
        emit(tfl::BuiltinOperator::RESHAPE, tfl::BuiltinOptions::ReshapeOptions, options.Union());
        return;
      }
      case OpType::kPad: {
        no_fused_activation();
        std::vector<int32_t> paddings(a.paddings.begin(), a.paddings.end());
        inputs.push_back(int32_constant(node.name + "/paddings", paddings,
                                        {static_cast<int64_t>(paddings.size() / 2), 2}));
        emit(tfl::BuiltinOperator::PAD, tfl::BuiltinOptions::PadOptions,
             tfl::CreatePadOptions(fbb_).Union());
        return;
      }
      case OpType::kAdd: {
        // int16 ADD with general scales: pot_scale_int16 = false, as TFLite's quantizer writes it.
        const auto options =
            tfl::CreateAddOptions(fbb_, act, in.dtype == DataType::kInt16 ? false : true);
        emit(tfl::BuiltinOperator::ADD, tfl::BuiltinOptions::AddOptions, options.Union());
        return;
      }
      case OpType::kMul: {
        const graph::Value& in2 = g_.value(node.inputs.at(1));
        if (quantized(in) && quantized(in2) && quantized(out)) {
          sig.mul_rescale = static_cast<double>(in.quantization.scales[0]) *
                            in2.quantization.scales[0] / out.quantization.scales[0];
        }
        const auto options = tfl::CreateMulOptions(fbb_, act);
        emit(tfl::BuiltinOperator::MUL, tfl::BuiltinOptions::MulOptions, options.Union());
        return;
      }
      case OpType::kConcatenation: {
        const int rank = static_cast<int>(out.shape.size());
        const auto options =
            tfl::CreateConcatenationOptions(fbb_, a.axis < 0 ? a.axis + rank : a.axis, act);
        emit(tfl::BuiltinOperator::CONCATENATION, tfl::BuiltinOptions::ConcatenationOptions,
             options.Union());
        return;
      }
      case OpType::kQuantize:
        no_fused_activation();
        return emit(tfl::BuiltinOperator::QUANTIZE, tfl::BuiltinOptions::QuantizeOptions,
                    tfl::CreateQuantizeOptions(fbb_).Union());
      case OpType::kBatchNorm:
      case OpType::kDropout:
      case OpType::kFakeQuant:  // QAT only: toolkit/quantize convert_qat removes it
        refuse(node,
               "is a training-only op; fold BatchNorm and drop Dropout (toolkit/quantize) "
               "before writing TFLite");
    }
    refuse(node, "has no TFLite mapping");
  }

  std::vector<uint8_t> finish(const std::vector<int32_t>& inputs,
                              const std::vector<int32_t>& outputs) {
    const auto subgraph = tfl::CreateSubGraph(
        fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(inputs), fbb_.CreateVector(outputs),
        fbb_.CreateVector(operators_), fbb_.CreateString("main"));
    // The metadata JSON is one more buffer, named by the Model.metadata entry.
    const std::string json = metadata_to_json(options_.metadata);
    const uint32_t metadata_buffer = add_buffer(std::vector<uint8_t>(json.begin(), json.end()));
    std::vector<fb::Offset<tfl::Metadata>> metadata = {
        tfl::CreateMetadata(fbb_, fbb_.CreateString(kMetadataName), metadata_buffer)};
    // A serving_default signature names the inputs and outputs for LiteRT's signature runner.
    auto tensor_maps = [&](const std::vector<int32_t>& indices) {
      std::vector<fb::Offset<tfl::TensorMap>> maps;
      for (int32_t i : indices) {
        maps.push_back(tfl::CreateTensorMap(fbb_, fbb_.CreateString(tensor_names_[i]),
                                            static_cast<uint32_t>(i)));
      }
      return fbb_.CreateVector(maps);
    };
    const auto sig_inputs = tensor_maps(inputs);
    const auto sig_outputs = tensor_maps(outputs);
    std::vector<fb::Offset<tfl::SignatureDef>> signatures = {tfl::CreateSignatureDef(
        fbb_, sig_inputs, sig_outputs, fbb_.CreateString("serving_default"), 0)};
    std::vector<fb::Offset<tfl::SubGraph>> subgraphs = {subgraph};
    const auto model = tfl::CreateModel(
        fbb_, kSchemaVersion, fbb_.CreateVector(codes_), fbb_.CreateVector(subgraphs),
        fbb_.CreateString("tinyforge"), fbb_.CreateVector(buffers_), 0, fbb_.CreateVector(metadata),
        fbb_.CreateVector(signatures));
    fbb_.Finish(model, tfl::ModelIdentifier());
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

  const graph::Graph& g_;
  const WriteOptions& options_;
  fb::FlatBufferBuilder fbb_{1 << 16};
  std::vector<fb::Offset<tfl::Buffer>> buffers_;
  std::vector<fb::Offset<tfl::Tensor>> tensors_;
  std::vector<std::string> tensor_names_;
  std::vector<fb::Offset<tfl::Operator>> operators_;
  std::vector<fb::Offset<tfl::OperatorCode>> codes_;
  std::map<std::pair<int32_t, int32_t>, uint32_t> opcodes_;
  std::map<int, int32_t> tensor_of_value_;
};

}  // namespace

std::vector<uint8_t> write_tflite(const graph::Graph& g, const WriteOptions& options) {
  return Writer(g, options).run();
}

void write_tflite_file(const graph::Graph& g, const WriteOptions& options,
                       const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = write_tflite(g, options);
  host::write_file(path, bytes.data(), bytes.size());
}

}  // namespace tinyforge::tflite
