// RESHAPE, SQUEEZE, EXPAND_DIMS: the same elements under another shape. The output tensor's
// shape in the model is authoritative; the shape operands are only checked against it. These
// ops may run in place (the output then shares the input's memory and nothing is copied).
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::index_value;
using movement::is_index_type;

[[gnu::cold]] Status check_common(PrepareContext& ctx, int min_inputs, int max_inputs) {
  if (ctx.num_inputs() < min_inputs || ctx.num_inputs() > max_inputs || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "wrong number of inputs or outputs");
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (!input.present()) return ctx.fail(Status::kMalformedModel, "input is missing");
  const Status s = check_like(ctx, input, output, "input");
  if (s != Status::kOk) return s;
  if (input.elements() != output.elements())
    return ctx.fail(Status::kMalformedModel, "input and output element counts differ");
  return Status::kOk;
}

// Checks a requested shape (entries may hold one -1) against the output shape.
template <typename Get>
[[gnu::cold]] Status check_requested_shape(PrepareContext& ctx, int64_t count, Get get) {
  const TensorView output = ctx.output(0);
  if (count != output.rank)
    return ctx.fail(Status::kMalformedModel, "requested shape rank differs from the output rank");
  int wildcards = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = get(i);
    if (v == -1) {
      ++wildcards;
    } else if (v != output.dim(static_cast<int>(i))) {
      return ctx.fail(Status::kMalformedModel, "requested shape does not match the output shape");
    }
  }
  if (wildcards > 1) return ctx.fail(Status::kMalformedModel, "requested shape has several -1");
  return Status::kOk;
}

[[gnu::cold]] Status prepare_reshape(PrepareContext& ctx) {
  Status s = check_common(ctx, 1, 2);
  if (s != Status::kOk) return s;
  const TensorView shape = ctx.input(1);
  if (shape.present()) {
    if (!is_index_type(shape.type))
      return ctx.fail(Status::kMalformedModel, "shape input must be int32 or int64");
    // A constant 1-D shape is checked; an empty or legacy (non 1-D) one defers to the options
    // or the output shape, as TFLite does.
    if (shape.is_constant && shape.rank == 1 && shape.elements() > 0) {
      return check_requested_shape(ctx, shape.elements(),
                                   [&](int64_t i) { return index_value(shape, i); });
    }
  }
  const auto* options = ctx.op().builtin_options_as_ReshapeOptions();
  if (!shape.present() && options != nullptr && options->new_shape() != nullptr &&
      options->new_shape()->size() > 0) {
    const auto* ns = options->new_shape();
    return check_requested_shape(ctx, ns->size(), [&](int64_t i) {
      return static_cast<int64_t>(ns->Get(static_cast<flatbuffers::uoffset_t>(i)));
    });
  }
  return Status::kOk;
}

[[gnu::cold]] Status prepare_squeeze(PrepareContext& ctx) {
  Status s = check_common(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  bool squeezed[kMaxRank] = {};
  const auto* options = ctx.op().builtin_options_as_SqueezeOptions();
  const auto* dims = options != nullptr ? options->squeeze_dims() : nullptr;
  if (dims != nullptr && dims->size() > 0) {
    for (flatbuffers::uoffset_t i = 0; i < dims->size(); ++i) {
      int32_t d = dims->Get(i);
      if (d < -input.rank || d >= input.rank)
        return ctx.fail(Status::kMalformedModel, "squeeze dimension out of range");
      if (d < 0) d += input.rank;
      if (input.dim(d) != 1)
        return ctx.fail(Status::kMalformedModel, "squeezed dimension is not of size 1");
      squeezed[d] = true;
    }
  } else {
    for (int d = 0; d < input.rank; ++d) squeezed[d] = input.dim(d) == 1;
  }
  int o = 0;
  for (int d = 0; d < input.rank; ++d) {
    if (squeezed[d]) continue;
    if (o >= output.rank || output.dim(o) != input.dim(d))
      return ctx.fail(Status::kMalformedModel, "output shape is not the squeezed input shape");
    ++o;
  }
  if (o != output.rank)
    return ctx.fail(Status::kMalformedModel, "output shape is not the squeezed input shape");
  return Status::kOk;
}

[[gnu::cold]] Status prepare_expand_dims(PrepareContext& ctx) {
  Status s = check_common(ctx, 2, 2);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), axis = ctx.input(1), output = ctx.output(0);
  if (!axis.present() || !is_index_type(axis.type) || axis.elements() != 1)
    return ctx.fail(Status::kMalformedModel, "axis must be one int32 or int64 value");
  if (output.rank != input.rank + 1)
    return ctx.fail(Status::kMalformedModel, "output rank must be the input rank plus one");
  if (!axis.is_constant) return Status::kOk;  // the output shape decides
  int64_t a = index_value(axis, 0);
  if (a < -(input.rank + 1) || a > input.rank)
    return ctx.fail(Status::kMalformedModel, "axis out of range");
  if (a < 0) a += input.rank + 1;
  for (int d = 0, i = 0; d < output.rank; ++d) {
    const int32_t expected = d == a ? 1 : input.dim(i++);
    if (output.dim(d) != expected)
      return ctx.fail(Status::kMalformedModel, "output shape does not match the expanded input");
  }
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const TensorView input = ctx.input(0), output = ctx.output(0);
  const size_t bytes = output.bytes();
  if (bytes > 0 && input.data != output.data) memmove(output.data, input.data, bytes);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_RESHAPE = {
    static_cast<int32_t>(tflite::BuiltinOperator::RESHAPE), 1, 1, prepare_reshape, eval, true};
extern const KernelRegistration kKernel_SQUEEZE = {
    static_cast<int32_t>(tflite::BuiltinOperator::SQUEEZE), 1, 2, prepare_squeeze, eval, true};
extern const KernelRegistration kKernel_EXPAND_DIMS = {
    static_cast<int32_t>(tflite::BuiltinOperator::EXPAND_DIMS),
    1,
    1,
    prepare_expand_dims,
    eval,
    true};

}  // namespace tinyforge
