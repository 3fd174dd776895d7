#include "toolkit/tflite/model_builder.h"

namespace tinyforge::builder {

int ModelBuilder::add_tensor(DataType type, std::vector<int32_t> shape, Quant quant,
                             std::string name) {
  if (name.empty()) name = std::string("t").append(std::to_string(tensors_.size()));
  tensors_.push_back({type, std::move(shape), std::move(quant), std::move(name), 0, false});
  return static_cast<int>(tensors_.size()) - 1;
}

int ModelBuilder::add_input(DataType type, std::vector<int32_t> shape, Quant quant) {
  const int t = add_tensor(type, std::move(shape), std::move(quant));
  inputs_.push_back(t);
  return t;
}

int ModelBuilder::add_variable(DataType type, std::vector<int32_t> shape, Quant quant) {
  const int t = add_tensor(type, std::move(shape), std::move(quant));
  tensors_[t].variable = true;
  return t;
}

int ModelBuilder::add_constant_bytes(DataType type, std::vector<int32_t> shape,
                                     std::vector<uint8_t> bytes, Quant quant) {
  const int t = add_tensor(type, std::move(shape), std::move(quant));
  buffers_.push_back(std::move(bytes));
  tensors_[t].buffer = static_cast<int>(buffers_.size()) - 1;
  return t;
}

void ModelBuilder::add_op(::tflite::BuiltinOperator op, std::vector<int> inputs,
                          std::vector<int> outputs, ::tflite::BuiltinOptions options_type,
                          flatbuffers::Offset<void> options, int version) {
  int code_index = -1;
  for (size_t i = 0; i < codes_.size(); ++i) {
    if (codes_[i].first == op && codes_[i].second == version) code_index = static_cast<int>(i);
  }
  if (code_index < 0) {
    codes_.push_back({op, version});
    custom_names_.emplace_back();
    code_index = static_cast<int>(codes_.size()) - 1;
  }
  ops_.push_back({code_index, std::move(inputs), std::move(outputs), options_type, options, {}});
}

void ModelBuilder::add_custom_op(const std::string& name, std::vector<int> inputs,
                                 std::vector<int> outputs, std::vector<uint8_t> options) {
  codes_.push_back({::tflite::BuiltinOperator::CUSTOM, 1});
  custom_names_.push_back(name);
  ops_.push_back({static_cast<int>(codes_.size()) - 1, std::move(inputs), std::move(outputs),
                  ::tflite::BuiltinOptions::NONE, 0, std::move(options)});
}

void ModelBuilder::add_metadata(const std::string& name, const std::string& bytes) {
  buffers_.emplace_back(bytes.begin(), bytes.end());
  metadata_.push_back({name, static_cast<int>(buffers_.size()) - 1});
}

std::vector<uint8_t> ModelBuilder::finish() {
  using namespace ::tflite;
  auto& b = fbb_;
  std::vector<flatbuffers::Offset<Buffer>> buffers;
  for (const auto& bytes : buffers_) {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data = 0;
    if (!bytes.empty()) {
      b.ForceVectorAlignment(bytes.size(), sizeof(uint8_t), 16);
      data = b.CreateVector(bytes);
    }
    buffers.push_back(CreateBuffer(b, data));
  }
  std::vector<flatbuffers::Offset<Tensor>> tensors;
  for (const TensorSpec& t : tensors_) {
    flatbuffers::Offset<QuantizationParameters> q = 0;
    if (!t.quant.scales.empty()) {
      q = CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.quant.scales),
                                       b.CreateVector(t.quant.zero_points),
                                       QuantizationDetails::NONE, 0, t.quant.dimension);
    }
    tensors.push_back(CreateTensor(b, b.CreateVector(t.shape), static_cast<TensorType>(t.type),
                                   static_cast<uint32_t>(t.buffer), b.CreateString(t.name), q,
                                   t.variable));
  }
  std::vector<flatbuffers::Offset<Operator>> ops;
  for (const OpSpec& op : ops_) {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom = 0;
    if (!op.custom_options.empty()) custom = b.CreateVector(op.custom_options);
    ops.push_back(CreateOperator(b, static_cast<uint32_t>(op.code_index), b.CreateVector(op.inputs),
                                 b.CreateVector(op.outputs), op.options_type, op.options, custom));
  }
  std::vector<flatbuffers::Offset<OperatorCode>> codes;
  for (size_t i = 0; i < codes_.size(); ++i) {
    const auto [op, version] = codes_[i];
    const int32_t value = static_cast<int32_t>(op);
    auto custom = custom_names_[i].empty() ? 0 : b.CreateString(custom_names_[i]);
    codes.push_back(
        CreateOperatorCode(b, static_cast<int8_t>(value < 127 ? value : 127), custom, version, op));
  }
  std::vector<int> outputs = outputs_;
  if (outputs.empty() && !ops_.empty()) outputs = ops_.back().outputs;
  auto subgraph =
      CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(inputs_), b.CreateVector(outputs),
                     b.CreateVector(ops), b.CreateString("main"));
  std::vector<flatbuffers::Offset<Metadata>> metadata;
  for (const auto& [name, buffer] : metadata_)
    metadata.push_back(CreateMetadata(b, b.CreateString(name), static_cast<uint32_t>(buffer)));
  auto model = CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(&subgraph, 1),
                           b.CreateString(description_), b.CreateVector(buffers), 0,
                           metadata.empty() ? 0 : b.CreateVector(metadata));
  b.Finish(model, ModelIdentifier());
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace tinyforge::builder
