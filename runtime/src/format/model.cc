// Loading and verifying a .tflite image in place. Verification happens once, here; afterwards the
// interpreter and kernels read the flatbuffer without further checks.
#include "tinyforge/model.h"

#include <string.h>

#include "format/flatbuffer_access.h"
#include "kernels/kernel.h"
#include "tflite_generated.h"

namespace tinyforge {
namespace {

using format::buffer_span;
using format::BufferSpan;
using format::operator_code_of;

constexpr uint64_t kMaxFileBytes = 0x7FFFFFFFu;

bool is_aligned(const void* p, size_t alignment) {
  return (reinterpret_cast<uintptr_t>(p) & (alignment - 1)) == 0;
}

}  // namespace

Status Model::fail(Status status) {
  model_ = nullptr;
  subgraph_ = nullptr;
  return status;
}

Status Model::load(const void* data, size_t size, Verification level) {
  runnable_ = false;
  model_ = nullptr;
  subgraph_ = nullptr;
  error_.clear();
  data_ = static_cast<const uint8_t*>(data);
  size_ = size;
  if (data == nullptr || size < 8) {
    error_.add("model: no data (").add(static_cast<int64_t>(size)).add(" bytes)");
    return fail(Status::kInvalidArgument);
  }
  if (!is_aligned(data, 4)) {
    error_.add("model: data must be 4-byte aligned (16 recommended)");
    return fail(Status::kInvalidArgument);
  }
  if (size > kMaxFileBytes) {
    error_.add("model: larger than 2 GiB");
    return fail(Status::kUnsupported);
  }
  if (!flatbuffers::BufferHasIdentifier(data, tflite::ModelIdentifier())) {
    error_.add("model: not a TFLite file (file identifier is not 'TFL3')");
    return fail(Status::kMalformedModel);
  }
  flatbuffers::Verifier verifier(data_, size_, /*max_depth=*/64, /*max_tables=*/1000000);
  if (!tflite::VerifyModelBuffer(verifier)) {
    error_.add("model: flatbuffer structure is invalid (offsets, sizes or nesting out of range)");
    return fail(Status::kMalformedModel);
  }
  model_ = tflite::GetModel(data_);
  if (model_->subgraphs() == nullptr || model_->subgraphs()->size() == 0 ||
      model_->subgraphs()->Get(0) == nullptr) {
    error_.add("model: has no subgraph");
    return fail(Status::kMalformedModel);
  }
  subgraph_ = model_->subgraphs()->Get(0);
  Status status;
  if ((status = verify_buffers()) != Status::kOk) return fail(status);
  if ((status = verify_tensors(level)) != Status::kOk) return fail(status);
  if ((status = verify_operators()) != Status::kOk) return fail(status);
  if ((status = verify_io()) != Status::kOk) return fail(status);
  if ((status = verify_execution_order()) != Status::kOk) return fail(status);
  if (level == Verification::kStructure) return Status::kOk;
  if ((status = verify_kernels()) != Status::kOk) return fail(status);
  runnable_ = true;
  return Status::kOk;
}

Status Model::verify_buffers() {
  const auto* buffers = model_->buffers();
  if (buffers == nullptr) return Status::kOk;
  for (uint32_t i = 0; i < buffers->size(); ++i) {
    const tflite::Buffer* buffer = buffers->Get(i);
    if (buffer == nullptr || buffer->offset() <= 1) continue;
    const uint64_t offset = buffer->offset(), bytes = buffer->size();
    if (offset > size_ || bytes > size_ - offset) {
      error_.add("buffer ")
          .add(static_cast<int64_t>(i))
          .add(": external data [")
          .add(static_cast<int64_t>(offset));
      error_.add(", +").add(static_cast<int64_t>(bytes)).add(") lies outside the file");
      return Status::kMalformedModel;
    }
  }
  return Status::kOk;
}

namespace {

// Whether any operator input/output or graph input/output names tensor `index`.
bool tensor_is_referenced(const tflite::SubGraph* subgraph, int32_t index) {
  auto contains = [index](const flatbuffers::Vector<int32_t>* list) {
    if (list == nullptr) return false;
    for (uint32_t k = 0; k < list->size(); ++k)
      if (list->Get(k) == index) return true;
    return false;
  };
  if (contains(subgraph->inputs()) || contains(subgraph->outputs())) return true;
  const auto* ops = subgraph->operators();
  if (ops == nullptr) return false;
  for (uint32_t o = 0; o < ops->size(); ++o) {
    const tflite::Operator* op = ops->Get(o);
    if (op != nullptr && (contains(op->inputs()) || contains(op->outputs()))) return true;
  }
  return false;
}

// Appends why this build cannot hold tensor `t` and returns true, or returns false.
bool cannot_hold(const tflite::Tensor* t, ErrorMessage* why) {
  const DataType type = static_cast<DataType>(t->type());
  const char* name = tflite::EnumNameTensorType(t->type());
  if (dtype_size(type) == 0) {
    why->add("dtype ").add(*name != '\0' ? name : "(unknown)").add(" is not supported");
  } else if (!dtype_in_build(type)) {
    why->add("dtype ").add(name).add(" is left out of this build (TINYFORGE_DTYPES)");
  } else if (t->sparsity() != nullptr) {
    why->add("sparse tensors are not supported");
  } else if (t->quantization() != nullptr &&
             t->quantization()->details_type() != tflite::QuantizationDetails::NONE) {
    why->add("custom quantization is not supported");
  } else {
    return false;
  }
  return true;
}

}  // namespace

Status Model::check_tensor(int index, ErrorMessage* why) const {
  if (!ok() || index < 0 || index >= num_tensors()) {
    why->add("tensor ").add(index).add(" does not exist");
    return Status::kInvalidArgument;
  }
  return cannot_hold(subgraph_->tensors()->Get(index), why) ? Status::kUnsupported : Status::kOk;
}

Status Model::verify_tensors(Verification level) {
  const auto* tensors = subgraph_->tensors();
  const int32_t count = tensors == nullptr ? 0 : static_cast<int32_t>(tensors->size());
  if (count > kMaxTensors) {
    error_.add("subgraph: ").add(count).add(" tensors, more than the limit ").add(kMaxTensors);
    return Status::kUnsupported;
  }
  const uint32_t num_buffers = model_->buffers() == nullptr ? 0 : model_->buffers()->size();
  for (int32_t i = 0; i < count; ++i) {
    const tflite::Tensor* t = tensors->Get(i);
    auto prefix = [&]() -> ErrorMessage& {
      error_.add("tensor ").add(i);
      if (t != nullptr && t->name() != nullptr) error_.add(" '").add(t->name()->c_str()).add("'");
      return error_.add(": ");
    };
    if (t == nullptr) {
      prefix().add("missing");
      return Status::kMalformedModel;
    }
    const DataType type = static_cast<DataType>(t->type());
    // A tensor this build cannot hold ends full verification; describing the model goes on, but
    // the tensor's bytes cannot be checked without its element size.
    ErrorMessage unsupported;
    const bool holdable = !cannot_hold(t, &unsupported);
    if (!holdable && level == Verification::kFull) {
      prefix().add(unsupported.c_str());
      return Status::kUnsupported;
    }
    const auto* shape = t->shape();
    const int32_t rank = shape == nullptr ? 0 : static_cast<int32_t>(shape->size());
    if (rank > kMaxRank) {
      prefix().add("rank ").add(rank).add(" exceeds the maximum ").add(kMaxRank);
      return Status::kUnsupported;
    }
    uint64_t bytes = holdable ? dtype_size(type) : 1;
    for (int32_t d = 0; d < rank; ++d) {
      const int32_t dim = shape->Get(d);
      // A tensor no operator or graph edge touches may be empty (the converter leaves such
      // placeholders, e.g. an LSTM's intermediates, with shape [0]).
      if (dim < 1 && !(dim == 0 && !tensor_is_referenced(subgraph_, i))) {
        prefix().add("dimension ").add(d).add(" is ").add(dim).add(", expected >= 1");
        return Status::kMalformedModel;
      }
      bytes *= static_cast<uint64_t>(dim);
      if (bytes > kMaxTensorBytes) {
        prefix().add("shape is too large (more than ").add(static_cast<int64_t>(kMaxTensorBytes));
        error_.add(" bytes)");
        return Status::kUnsupported;
      }
    }
    if (t->buffer() >= num_buffers && t->buffer() != 0) {
      prefix().add("buffer index ").add(static_cast<int64_t>(t->buffer())).add(" out of range (");
      error_.add(static_cast<int64_t>(num_buffers)).add(" buffers)");
      return Status::kMalformedModel;
    }
    const BufferSpan span = buffer_span(data_, model_, t->buffer());
    if (span.data != nullptr && holdable) {
      if (span.size != bytes) {
        prefix()
            .add("buffer ")
            .add(static_cast<int64_t>(t->buffer()))
            .add(" holds ")
            .add(static_cast<int64_t>(span.size));
        error_.add(" bytes, shape and dtype need ").add(static_cast<int64_t>(bytes));
        return Status::kMalformedModel;
      }
      // Converters place buffers at 4-byte boundaries only, so int64 constants (int16x8 biases)
      // may be 4-byte aligned: kernels read 8-byte constants with memcpy.
      const size_t alignment = dtype_size(type) < 4 ? dtype_size(type) : 4;
      if (!is_aligned(span.data, alignment)) {
        prefix().add("data is not ").add(static_cast<int64_t>(alignment));
        error_.add("-byte aligned (load the model at a 16-byte aligned address)");
        return Status::kMalformedModel;
      }
    }
    const tflite::QuantizationParameters* q = t->quantization();
    if (q != nullptr) {
      const uint32_t scales = q->scale() == nullptr ? 0 : q->scale()->size();
      const uint32_t zero_points = q->zero_point() == nullptr ? 0 : q->zero_point()->size();
      if (scales > 0) {
        if (zero_points != scales) {
          prefix()
              .add(static_cast<int64_t>(scales))
              .add(" scales but ")
              .add(static_cast<int64_t>(zero_points));
          error_.add(" zero points");
          return Status::kMalformedModel;
        }
        if (scales > 1) {
          // Converters copy the filter's quantized_dimension onto rank-1 per-channel biases, so
          // a vector whose length matches is accepted whatever the dimension says.
          const int32_t qdim = q->quantized_dimension();
          const bool matches_dimension =
              qdim >= 0 && qdim < rank && static_cast<uint32_t>(shape->Get(qdim)) == scales;
          const bool matches_vector = rank == 1 && static_cast<uint32_t>(shape->Get(0)) == scales;
          if (!matches_dimension && !matches_vector) {
            prefix()
                .add(static_cast<int64_t>(scales))
                .add(" scales do not match quantized_dimension ");
            error_.add(qdim);
            return Status::kMalformedModel;
          }
        }
        for (uint32_t s = 0; s < scales; ++s) {
          const float scale = q->scale()->Get(s);
          if (!(scale > 0.0f) || scale > 3.0e38f) {
            prefix()
                .add("quantization scale ")
                .add(static_cast<int64_t>(s))
                .add(" is not a finite positive number");
            return Status::kMalformedModel;
          }
          // Read through memcpy: the FlatBuffers verifier only checks a vector's length field
          // for alignment, so an int64 element of a hostile file may sit on a 4-byte boundary.
          int64_t zp;
          memcpy(&zp, reinterpret_cast<const uint8_t*>(q->zero_point()->data()) + 8 * s,
                 sizeof(zp));
          if (zp < -65536 || zp > 65535) {
            prefix().add("zero point ").add(zp).add(" is out of range");
            return Status::kMalformedModel;
          }
        }
      }
    }
  }
  return Status::kOk;
}

Status Model::verify_operators() {
  const auto* ops = subgraph_->operators();
  const int32_t count = ops == nullptr ? 0 : static_cast<int32_t>(ops->size());
  if (count > kMaxOperators) {
    error_.add("subgraph: ").add(count).add(" operators, more than the limit ").add(kMaxOperators);
    return Status::kUnsupported;
  }
  const auto* codes = model_->operator_codes();
  const uint32_t num_codes = codes == nullptr ? 0 : codes->size();
  const int32_t num_tensors = this->num_tensors();
  for (int32_t i = 0; i < count; ++i) {
    const tflite::Operator* op = ops->Get(i);
    if (op == nullptr || op->opcode_index() >= num_codes ||
        codes->Get(op->opcode_index()) == nullptr) {
      error_.add("operator ")
          .add(i)
          .add(": opcode index out of range (")
          .add(static_cast<int64_t>(num_codes));
      error_.add(" operator codes)");
      return Status::kMalformedModel;
    }
    const int32_t builtin = operator_code_of(codes->Get(op->opcode_index()));
    if (op->outputs() == nullptr || op->outputs()->size() == 0) {
      error_.add("operator ").add(i).add(" (").add(op_name(builtin)).add("): has no outputs");
      return Status::kMalformedModel;
    }
    const flatbuffers::Vector<int32_t>* lists[2] = {op->inputs(), op->outputs()};
    for (int l = 0; l < 2; ++l) {
      if (lists[l] == nullptr) continue;
      if (lists[l]->size() > static_cast<uint32_t>(kMaxOperatorInputs)) {
        error_.add("operator ").add(i).add(" (").add(op_name(builtin)).add("): too many ");
        error_.add(l == 0 ? "inputs" : "outputs");
        return Status::kUnsupported;
      }
      for (uint32_t k = 0; k < lists[l]->size(); ++k) {
        const int32_t t = lists[l]->Get(k);
        const bool optional_input = l == 0 && t == -1;
        if (!optional_input && (t < 0 || t >= num_tensors)) {
          error_.add("operator ").add(i).add(" (").add(op_name(builtin)).add("): ");
          error_.add(l == 0 ? "input " : "output ")
              .add(static_cast<int64_t>(k))
              .add(" refers to tensor ");
          error_.add(t).add(", but there are ").add(num_tensors);
          return Status::kMalformedModel;
        }
      }
    }
  }
  return Status::kOk;
}

Status Model::verify_io() {
  const int32_t num_tensors = this->num_tensors();
  const flatbuffers::Vector<int32_t>* lists[2] = {subgraph_->inputs(), subgraph_->outputs()};
  for (int l = 0; l < 2; ++l) {
    const char* what = l == 0 ? "input " : "output ";
    if (lists[l] == nullptr || lists[l]->size() == 0) {
      error_.add("subgraph: has no ").add(l == 0 ? "inputs" : "outputs");
      return Status::kMalformedModel;
    }
    for (uint32_t k = 0; k < lists[l]->size(); ++k) {
      const int32_t t = lists[l]->Get(k);
      if (t < 0 || t >= num_tensors) {
        error_.add("subgraph: ").add(what).add(static_cast<int64_t>(k)).add(" refers to tensor ");
        error_.add(t).add(", but there are ").add(num_tensors);
        return Status::kMalformedModel;
      }
      if (l == 0 && tensor(t).is_constant) {
        error_.add("subgraph: input ").add(static_cast<int64_t>(k)).add(" (tensor ").add(t);
        error_.add(") is a constant");
        return Status::kMalformedModel;
      }
    }
  }
  return Status::kOk;
}

Status Model::verify_execution_order() {
  // Each operator may only read tensors that exist before it runs: constants, variables, graph
  // inputs, or outputs of earlier operators; each tensor is written once. This also rules out
  // cycles. Quadratic, but needs no memory.
  const int n = num_operators();
  auto is_graph_input = [&](int32_t t) {
    for (int k = 0; k < num_inputs(); ++k)
      if (input_tensor(k) == t) return true;
    return false;
  };
  auto produced_before = [&](int32_t t, int before) {
    for (int j = 0; j < before; ++j)
      for (int k = 0; k < op_num_outputs(j); ++k)
        if (op_output(j, k) == t) return true;
    return false;
  };
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < op_num_inputs(i); ++k) {
      const int32_t t = op_input(i, k);
      if (t < 0) continue;
      const TensorView v = tensor(t);
      if (v.is_constant || v.is_variable || is_graph_input(t) || produced_before(t, i)) continue;
      error_.add("operator ").add(i).add(" (").add(op_name(op_code(i))).add("): input ").add(k);
      error_.add(" (tensor ").add(t).add(") is not computed before it is used");
      return Status::kMalformedModel;
    }
    for (int k = 0; k < op_num_outputs(i); ++k) {
      const int32_t t = op_output(i, k);
      const TensorView v = tensor(t);
      bool duplicate = false;
      for (int m = 0; m < k; ++m) duplicate = duplicate || op_output(i, m) == t;
      if (v.is_constant || v.is_variable || is_graph_input(t) || produced_before(t, i) ||
          duplicate) {
        error_.add("operator ").add(i).add(" (").add(op_name(op_code(i))).add("): output ").add(k);
        error_.add(" (tensor ").add(t).add(") is a constant, a graph input or written twice");
        return Status::kMalformedModel;
      }
    }
  }
  for (int k = 0; k < num_outputs(); ++k) {
    const int32_t t = output_tensor(k);
    const TensorView v = tensor(t);
    if (!(v.is_constant || is_graph_input(t) || produced_before(t, n))) {
      error_.add("subgraph: output ").add(k).add(" (tensor ").add(t).add(") is never computed");
      return Status::kMalformedModel;
    }
  }
  return Status::kOk;
}

Status Model::check_kernel(int index, ErrorMessage* why) const {
  const tflite::OperatorCode* code = model_->operator_codes()->Get(op(index)->opcode_index());
  const int32_t builtin = operator_code_of(code);
  if (builtin == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM)) {
    why->add("custom operator '")
        .add(code->custom_code() != nullptr ? code->custom_code()->c_str() : "");
    why->add("' is not supported");
    return Status::kUnsupported;
  }
  const KernelRegistration* kernel = find_kernel(builtin);
  if (kernel == nullptr) {
    why->add(op_name(builtin)).add(" is not supported");
    return Status::kUnsupported;
  }
  if (code->version() < kernel->min_version || code->version() > kernel->max_version) {
    why->add(op_name(builtin)).add(" version ").add(code->version());
    why->add(" is not supported (supported: ").add(kernel->min_version).add("..");
    why->add(kernel->max_version).add(")");
    return Status::kUnsupported;
  }
  return Status::kOk;
}

Status Model::check_operator(int index, ErrorMessage* why) const {
  if (!ok() || index < 0 || index >= num_operators()) {
    why->add("operator ").add(index).add(" does not exist");
    return Status::kInvalidArgument;
  }
  // Kernels may assume every operand has a dtype this build holds.
  for (int l = 0; l < 2; ++l) {
    const int count = l == 0 ? op_num_inputs(index) : op_num_outputs(index);
    for (int k = 0; k < count; ++k) {
      const int t = l == 0 ? op_input(index, k) : op_output(index, k);
      if (t < 0 || !cannot_hold(subgraph_->tensors()->Get(t), why)) continue;
      why->add(" (").add(l == 0 ? "input " : "output ").add(k).add(", tensor ").add(t).add(")");
      return Status::kUnsupported;
    }
  }
  const Status status = check_kernel(index, why);
  return status != Status::kOk ? status : check_prepare(index, why);
}

Status Model::check_prepare(int index, ErrorMessage* why) const {
  PrepareContext ctx(*this, index, /*tensor_data=*/nullptr, why, nullptr, 0);
  const Status status = op_kernel(index)->prepare(ctx);
  if (status != Status::kOk && why->empty()) ctx.fail(status, "rejected by its kernel");
  return status;
}

Status Model::verify_kernels() {
  for (int i = 0; i < num_operators(); ++i) {
    error_.add("operator ").add(i).add(": ");
    const Status status = check_kernel(i, &error_);
    if (status != Status::kOk) return status;
    error_.clear();
  }
  for (int i = 0; i < num_operators(); ++i) {
    const Status status = check_prepare(i, &error_);
    if (status != Status::kOk) return status;
  }
  return Status::kOk;
}

}  // namespace tinyforge
