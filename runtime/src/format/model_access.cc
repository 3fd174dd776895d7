// Reading a loaded model: tensors, operators and their operands. Kernels call these on every
// invoke, so this file is built for speed; loading and verification (model.cc) are built for size.
#include "format/flatbuffer_access.h"
#include "kernels/kernel.h"
#include "tflite_generated.h"
#include "tinyforge/model.h"

namespace tinyforge {

using format::buffer_span;
using format::BufferSpan;
using format::operator_code_of;

int Model::num_tensors() const {
  return subgraph_->tensors() == nullptr ? 0 : static_cast<int>(subgraph_->tensors()->size());
}
int Model::num_operators() const {
  return subgraph_->operators() == nullptr ? 0 : static_cast<int>(subgraph_->operators()->size());
}
int Model::num_inputs() const {
  return subgraph_->inputs() == nullptr ? 0 : static_cast<int>(subgraph_->inputs()->size());
}
int Model::num_outputs() const {
  return subgraph_->outputs() == nullptr ? 0 : static_cast<int>(subgraph_->outputs()->size());
}
int Model::input_tensor(int i) const { return subgraph_->inputs()->Get(i); }
int Model::output_tensor(int i) const { return subgraph_->outputs()->Get(i); }

TensorView Model::tensor(int index) const {
  TensorView v;
  const tflite::Tensor* t = subgraph_->tensors()->Get(index);
  v.type = static_cast<DataType>(t->type());
  if (t->shape() != nullptr) {
    v.rank = static_cast<int>(t->shape()->size());
    v.dims = t->shape()->data();
  }
  if (t->name() != nullptr) v.name = t->name()->c_str();
  const BufferSpan span = buffer_span(data_, model_, t->buffer());
  v.is_variable = t->is_variable();
  v.is_constant = span.data != nullptr && !v.is_variable;
  if (v.is_constant) v.data = const_cast<uint8_t*>(span.data);
  const tflite::QuantizationParameters* q = t->quantization();
  if (q != nullptr && q->scale() != nullptr && q->scale()->size() > 0) {
    v.scales = q->scale()->data();
    v.num_scales = static_cast<int>(q->scale()->size());
    v.zero_points_raw = reinterpret_cast<const uint8_t*>(q->zero_point()->data());
    v.num_zero_points = static_cast<int>(q->zero_point()->size());
    v.quantized_dimension = q->quantized_dimension();
  }
  return v;
}

const tflite::Operator* Model::op(int index) const { return subgraph_->operators()->Get(index); }

int32_t Model::op_code(int index) const {
  return operator_code_of(model_->operator_codes()->Get(op(index)->opcode_index()));
}

int32_t Model::op_version(int index) const {
  return model_->operator_codes()->Get(op(index)->opcode_index())->version();
}

const KernelRegistration* Model::op_kernel(int index) const { return find_kernel(op_code(index)); }

int Model::op_num_inputs(int index) const {
  const auto* inputs = op(index)->inputs();
  return inputs == nullptr ? 0 : static_cast<int>(inputs->size());
}
int Model::op_input(int index, int i) const { return op(index)->inputs()->Get(i); }
int Model::op_num_outputs(int index) const {
  const auto* outputs = op(index)->outputs();
  return outputs == nullptr ? 0 : static_cast<int>(outputs->size());
}
int Model::op_output(int index, int i) const { return op(index)->outputs()->Get(i); }

const char* op_name(int32_t op_code) {
  if (const char* custom = custom_op_name(op_code)) return custom;
  if (op_code < 0 || op_code > static_cast<int32_t>(tflite::BuiltinOperator::MAX)) return "UNKNOWN";
  const char* name = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(op_code));
  return (name == nullptr || *name == '\0') ? "UNKNOWN" : name;
}

}  // namespace tinyforge
