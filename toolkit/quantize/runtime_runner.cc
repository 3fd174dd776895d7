#include "toolkit/quantize/runtime_runner.h"

#include <cstring>

#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/quantize/quant_params.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::quantize {

RuntimeRunner::RuntimeRunner(const std::vector<uint8_t>& tflite, std::string label)
    : file_(std::make_unique<host::ModelFile>(tflite.data(), tflite.size(), std::move(label))),
      interpreter_(std::make_unique<host::HostInterpreter>(*file_)) {}

RuntimeRunner::~RuntimeRunner() = default;

int RuntimeRunner::num_outputs() const { return interpreter_->get().num_outputs(); }

namespace {

void store(const TensorView& t, int64_t i, float x) {
  switch (t.type) {
    case DataType::kFloat32:
      t.as<float>()[i] = x;
      return;
    case DataType::kInt8:
      t.as<int8_t>()[i] =
          static_cast<int8_t>(quantize_value(x, t.scale(), t.zero_point(), DataType::kInt8));
      return;
    case DataType::kInt16:
      t.as<int16_t>()[i] =
          static_cast<int16_t>(quantize_value(x, t.scale(), t.zero_point(), DataType::kInt16));
      return;
    default:
      throw host::Error(std::string("runtime runner: input '") + t.name + "' has dtype " +
                        dtype_name(t.type) + ", expected float32, int8 or int16");
  }
}

int64_t raw(const TensorView& t, int64_t i) {
  switch (t.type) {
    case DataType::kInt8:
      return t.as<int8_t>()[i];
    case DataType::kInt16:
      return t.as<int16_t>()[i];
    case DataType::kInt32:
      return t.as<int32_t>()[i];
    default:
      throw host::Error(std::string("runtime runner: output '") + t.name + "' has dtype " +
                        dtype_name(t.type) + ", expected an integer type");
  }
}

float load(const TensorView& t, int64_t i) {
  if (t.type == DataType::kFloat32) return t.as<float>()[i];
  return dequantize_value(raw(t, i), t.scale(), t.zero_point());
}

}  // namespace

std::vector<graph::Tensor> RuntimeRunner::run(const std::vector<graph::Tensor>& inputs) {
  Interpreter& in = interpreter_->get();
  if (static_cast<int>(inputs.size()) != in.num_inputs()) {
    throw host::Error(file_->label() + ": given " + std::to_string(inputs.size()) +
                      " inputs, the model has " + std::to_string(in.num_inputs()));
  }
  const int64_t batch = inputs.empty() ? 1 : inputs[0].dim(0);
  std::vector<graph::Tensor> outputs(in.num_outputs());
  for (int64_t b = 0; b < batch; ++b) {
    for (int i = 0; i < in.num_inputs(); ++i) {
      const TensorView t = in.input(i);
      const int64_t n = t.elements();
      if (inputs[i].size() != batch * n) {
        throw host::Error(file_->label() + ": input " + std::to_string(i) + " has shape " +
                          graph::shape_string(inputs[i].shape()) + ", expected " +
                          std::to_string(n) + " elements per sample");
      }
      for (int64_t k = 0; k < n; ++k) store(t, k, inputs[i][b * n + k]);
    }
    interpreter_->invoke();
    for (int o = 0; o < in.num_outputs(); ++o) {
      const TensorView t = in.output(o);
      const int64_t n = t.elements();
      if (b == 0) {
        graph::Shape shape{batch};
        for (int d = 1; d < t.rank; ++d) shape.push_back(t.dim(d));
        if (t.rank == 0 || t.dim(0) != 1) shape = {batch, n};
        outputs[o].reset(shape);
      }
      for (int64_t k = 0; k < n; ++k) outputs[o][b * n + k] = load(t, k);
    }
  }
  return outputs;
}

std::vector<int64_t> RuntimeRunner::last_raw_output(int i) const {
  const TensorView t = interpreter_->get().output(i);
  std::vector<int64_t> values(t.elements());
  for (int64_t k = 0; k < t.elements(); ++k) values[k] = raw(t, k);
  return values;
}

ExposedValue expose_value(const graph::Graph& quantized, int id, std::string label) {
  tflite::WriteOptions options;
  const auto& outputs = quantized.outputs();
  ExposedValue exposed;
  exposed.output = -1;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i] == id) exposed.output = static_cast<int>(i);
  if (exposed.output < 0) {
    options.extra_outputs.push_back(id);
    exposed.output = static_cast<int>(outputs.size());
  }
  exposed.runner =
      std::make_unique<RuntimeRunner>(tflite::write_tflite(quantized, options), std::move(label));
  return exposed;
}

}  // namespace tinyforge::quantize
