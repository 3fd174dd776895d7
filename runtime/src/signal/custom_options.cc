#include "signal/custom_options.h"

namespace tinyforge {
namespace signal {

Status read_options(PrepareContext& ctx, FlexbufferMap* options) {
  const tflite::Operator& op = ctx.op();
  const uint8_t* data = nullptr;
  size_t size = 0;
  if (op.custom_options() != nullptr) {
    data = op.custom_options()->data();
    size = op.custom_options()->size();
  } else if (op.large_custom_options_size() > 0) {
    // Options too large for the flatbuffer are stored after it, at an offset from its start.
    const uint64_t offset = op.large_custom_options_offset(),
                   bytes = op.large_custom_options_size();
    const size_t file = ctx.model().size();
    if (offset > file || bytes > file - offset)
      return ctx.fail(Status::kMalformedModel, "custom options lie outside the file");
    data = ctx.model().bytes() + offset;
    size = static_cast<size_t>(bytes);
  }
  if (!options->parse(data, size))
    return ctx.fail(Status::kMalformedModel, "custom options are not a FlexBuffers map");
  return Status::kOk;
}

Status int_option(PrepareContext& ctx, const FlexbufferMap& options, const char* key, int64_t min,
                  int64_t max, int32_t* value) {
  int64_t v;
  if (!options.get_int(key, &v)) {
    ctx.fail(Status::kMalformedModel, "option '");
    ctx.message().add(key).add("' is missing or not an integer");
    return Status::kMalformedModel;
  }
  if (v < min || v > max) {
    ctx.fail(Status::kUnsupported, "option '");
    ctx.message().add(key).add("' is ").add(v).add(", expected ").add(min).add("..").add(max);
    return Status::kUnsupported;
  }
  *value = static_cast<int32_t>(v);
  return Status::kOk;
}

Status optional_int_option(PrepareContext& ctx, const FlexbufferMap& options, const char* key,
                           int64_t min, int64_t max, int32_t fallback, int32_t* value) {
  if (!options.has(key)) {
    *value = fallback;
    return Status::kOk;
  }
  return int_option(ctx, options, key, min, max, value);
}

Status number_option(PrepareContext& ctx, const FlexbufferMap& options, const char* key,
                     int64_t min, int64_t max, double* value) {
  double v;
  if (!options.get_number(key, &v)) {
    ctx.fail(Status::kMalformedModel, "option '");
    ctx.message().add(key).add("' is missing or not a number");
    return Status::kMalformedModel;
  }
  if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max))) {  // NaN fails too
    ctx.fail(Status::kUnsupported, "option '");
    ctx.message().add(key).add("' is out of range, expected ").add(min).add("..").add(max);
    return Status::kUnsupported;
  }
  *value = v;
  return Status::kOk;
}

Status expect_known_keys(PrepareContext& ctx, const FlexbufferMap& options,
                         const char* const* known, int count) {
  int present = 0;
  for (int i = 0; i < count; ++i) present += options.has(known[i]) ? 1 : 0;
  if (present == options.size()) return Status::kOk;
  ctx.fail(Status::kUnsupported, "options hold keys this operator does not know (it knows");
  for (int i = 0; i < count; ++i) ctx.message().add(i == 0 ? " " : ", ").add(known[i]);
  ctx.message().add(")");
  return Status::kUnsupported;
}

Status expect_operands(PrepareContext& ctx, int inputs, int outputs) {
  if (ctx.num_inputs() != inputs || ctx.num_outputs() != outputs) {
    ctx.fail(Status::kMalformedModel, "expected ");
    ctx.message().add(inputs).add(" inputs and ").add(outputs).add(" outputs, got ");
    ctx.message().add(ctx.num_inputs()).add(" and ").add(ctx.num_outputs());
    return Status::kMalformedModel;
  }
  for (int i = 0; i < inputs; ++i) {
    if (!ctx.input(i).present()) {
      ctx.fail(Status::kMalformedModel, "input ");
      ctx.message().add(i).add(" is missing");
      return Status::kMalformedModel;
    }
  }
  return Status::kOk;
}

Status expect_tensor(PrepareContext& ctx, const TensorView& tensor, const char* what, DataType type,
                     int rank) {
  if (tensor.type != type) {
    ctx.fail(Status::kUnsupported, what);
    ctx.message().add(" must be ").add(dtype_name(type)).add(", got ").add(dtype_name(tensor.type));
    return Status::kUnsupported;
  }
  if ((rank >= 0 && tensor.rank != rank) || (rank < 0 && tensor.rank < 1)) {
    ctx.fail(Status::kMalformedModel, what);
    ctx.message().add(" has rank ").add(tensor.rank).add(", expected ");
    if (rank >= 0) {
      ctx.message().add(rank);
    } else {
      ctx.message().add("1 or more");
    }
    return Status::kMalformedModel;
  }
  return Status::kOk;
}

Status expect_elements(PrepareContext& ctx, const TensorView& tensor, const char* what,
                       int64_t elements) {
  if (tensor.elements() == elements) return Status::kOk;
  ctx.fail(Status::kMalformedModel, what);
  ctx.message().add(" has ").add(tensor.elements()).add(" elements, expected ").add(elements);
  return Status::kMalformedModel;
}

}  // namespace signal
}  // namespace tinyforge
