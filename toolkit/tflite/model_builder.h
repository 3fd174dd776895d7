// Builds .tflite models operator by operator: graphs that are not the IR's (the audio and motion
// feature graphs, toolkit/features) and the small one-operator models tests drive kernels, the
// verifier and the planner with.
#ifndef TINYFORGE_TOOLKIT_TFLITE_MODEL_BUILDER_H_
#define TINYFORGE_TOOLKIT_TFLITE_MODEL_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tflite_generated.h"
#include "tinyforge/tensor.h"

namespace tinyforge::builder {

struct Quant {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int dimension = 0;
};

inline Quant per_tensor(float scale, int64_t zero_point) { return Quant{{scale}, {zero_point}, 0}; }

class ModelBuilder {
 public:
  // A tensor computed at run time (or a graph input / variable).
  int add_tensor(DataType type, std::vector<int32_t> shape, Quant quant = {},
                 std::string name = "");
  int add_input(DataType type, std::vector<int32_t> shape, Quant quant = {});
  int add_variable(DataType type, std::vector<int32_t> shape, Quant quant = {});
  // A constant tensor holding `values` (their bytes are copied as they are).
  template <typename T>
  int add_constant(DataType type, std::vector<int32_t> shape, const std::vector<T>& values,
                   Quant quant = {}) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return add_constant_bytes(type, std::move(shape), std::move(bytes), std::move(quant));
  }
  int add_constant_bytes(DataType type, std::vector<int32_t> shape, std::vector<uint8_t> bytes,
                         Quant quant = {});

  // Options tables are created through fbb() before add_op, e.g.
  //   auto opts = tflite::CreateAddOptions(b.fbb()).Union();
  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }
  void add_op(::tflite::BuiltinOperator op, std::vector<int> inputs, std::vector<int> outputs,
              ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions::NONE,
              flatbuffers::Offset<void> options = 0, int version = 1);
  void add_output(int tensor) { outputs_.push_back(tensor); }
  // For hostile-model tests: point a tensor at any buffer index, valid or not.
  void set_tensor_buffer(int tensor, int buffer_index) { tensors_[tensor].buffer = buffer_index; }
  // A custom operator with its options (FlexBuffers bytes, e.g. from flexbuffers::Builder), for
  // the runtime's custom kernels or an unknown name to test its refusal.
  void add_custom_op(const std::string& name, std::vector<int> inputs, std::vector<int> outputs,
                     std::vector<uint8_t> options = {});

  // A Model.metadata entry (e.g. "tinyforge" with its JSON) stored in a buffer of its own.
  void add_metadata(const std::string& name, const std::string& bytes);
  void set_description(std::string description) { description_ = std::move(description); }

  // Serializes the model. Graph outputs default to the last operator's outputs.
  std::vector<uint8_t> finish();

 private:
  struct TensorSpec {
    DataType type;
    std::vector<int32_t> shape;
    Quant quant;
    std::string name;
    int buffer;
    bool variable;
  };
  struct OpSpec {
    int code_index;
    std::vector<int> inputs, outputs;
    ::tflite::BuiltinOptions options_type;
    flatbuffers::Offset<void> options;
    std::vector<uint8_t> custom_options;
  };
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<TensorSpec> tensors_;
  std::vector<std::vector<uint8_t>> buffers_{{}};  // buffer 0: the empty sentinel
  std::vector<std::pair<::tflite::BuiltinOperator, int>> codes_;
  std::vector<std::string> custom_names_;  // per code; empty for builtins
  std::vector<OpSpec> ops_;
  std::vector<int> inputs_, outputs_;
  std::vector<std::pair<std::string, int>> metadata_;  // name, buffer index
  std::string description_ = "tinyforge test model";
};

}  // namespace tinyforge::builder

#endif  // TINYFORGE_TOOLKIT_TFLITE_MODEL_BUILDER_H_
