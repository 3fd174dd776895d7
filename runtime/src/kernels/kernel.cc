#include "kernels/kernel.h"

namespace tinyforge {

#if TINYFORGE_AOT

TensorView OpContext::input(int i) const {
  if (i < 0 || i >= num_inputs() || operands_->views[i] == nullptr) return TensorView();
  return *operands_->views[i];
}

TensorView OpContext::output(int i) const {
  if (i < 0 || i >= num_outputs()) return TensorView();
  return *operands_->views[operands_->num_inputs + i];
}

Status OpContext::fail(Status status, const char* what) {
  error_->clear();
  error_->add(what);
  return status;
}

#else

TensorView OpContext::view(int tensor_index) const {
  if (tensor_index < 0) return TensorView();
  TensorView v = model_->tensor(tensor_index);
  if (tensor_data_ != nullptr && !v.is_constant) v.data = tensor_data_[tensor_index];
  return v;
}

TensorView OpContext::input(int i) const {
  if (i < 0 || i >= num_inputs()) return TensorView();
  return view(model_->op_input(op_index_, i));
}

TensorView OpContext::output(int i) const {
  if (i < 0 || i >= num_outputs()) return TensorView();
  return view(model_->op_output(op_index_, i));
}

Status OpContext::fail(Status status, const char* what) {
  error_->clear();
  error_->add(op_name(model_->op_code(op_index_))).add(" (operator #").add(op_index_).add("): ");
  error_->add(what);
  return status;
}

#endif

void* PrepareContext::allocate_persistent(size_t bytes) {
  const size_t aligned = (bytes + 7) & ~size_t{7};
  const size_t offset = persistent_used_;
  persistent_used_ += aligned;
  if (persistent_ == nullptr || persistent_used_ > persistent_capacity_) return nullptr;
  return persistent_ + offset;
}

void PrepareContext::allow_in_place(int input, int64_t lead) {
  // A lead beyond 32 bits cannot be honoured in an arena that small tensors fit; refuse it.
  if (input < 0 || input >= 8 || lead > INT32_MAX) return;
  const int32_t bounded = lead < INT32_MIN ? INT32_MIN : static_cast<int32_t>(lead);
  in_place_inputs_ = static_cast<uint8_t>(in_place_inputs_ | (1u << input));
  if (bounded > in_place_lead_) in_place_lead_ = bounded;
}

}  // namespace tinyforge
