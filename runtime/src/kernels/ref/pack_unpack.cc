// PACK stacks N inputs of one shape into an output with a new dimension of size N at `axis`;
// UNPACK does the reverse, one output per index along `axis` (negative axes count from the end).
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::dims_product;

struct StackData {
  int64_t outer;      // product of the dimensions before the axis
  size_t part_bytes;  // bytes of one slice per outer index (dimensions after the axis)
};

// `whole` has one more dimension than `part`, of size n at `axis`.
[[gnu::cold]] Status check_stacked(PrepareContext& ctx, const TensorView& part,
                                   const TensorView& whole, int axis, int n) {
  if (whole.rank != part.rank + 1)
    return ctx.fail(Status::kMalformedModel, "the stacked tensor must have one more dimension");
  for (int d = 0, p = 0; d < whole.rank; ++d) {
    const int32_t expected = d == axis ? n : part.dim(p++);
    if (whole.dim(d) != expected)
      return ctx.fail(Status::kMalformedModel, "shapes do not match the stacking axis and count");
  }
  return Status::kOk;
}

[[gnu::cold]] Status prepare_pack(PrepareContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs and one output");
  const TensorView output = ctx.output(0), first = ctx.input(0);
  const auto* options = ctx.op().builtin_options_as_PackOptions();
  if (options && options->values_count() != n)
    return ctx.fail(Status::kMalformedModel, "values_count differs from the number of inputs");
  int32_t axis = options ? options->axis() : 0;
  if (axis < -output.rank || axis >= output.rank)
    return ctx.fail(Status::kMalformedModel, "axis out of range");
  if (axis < 0) axis += output.rank;
  for (int i = 0; i < n; ++i) {
    const TensorView input = ctx.input(i);
    if (!input.present()) return ctx.fail(Status::kMalformedModel, "an input is missing");
    Status s = check_like(ctx, input, output, "an input");
    if (s != Status::kOk) return s;
    if (!same_shape(input, first)) return ctx.fail(Status::kMalformedModel, "input shapes differ");
  }
  Status s = check_stacked(ctx, first, output, axis, n);
  if (s != Status::kOk) return s;
  auto* data = ctx.allocate_persistent<StackData>();
  if (ctx.sizing()) return Status::kOk;
  data->outer = dims_product(output.dims, 0, axis);
  data->part_bytes = static_cast<size_t>(dims_product(output.dims, axis + 1, output.rank)) *
                     dtype_size(output.type);
  return Status::kOk;
}

Status eval_pack(EvalContext& ctx) {
  const StackData& d = *ctx.persistent<StackData>();
  const int n = ctx.num_inputs();
  if (d.part_bytes == 0) return Status::kOk;
  uint8_t* out = ctx.output(0).as<uint8_t>();
  for (int i = 0; i < n; ++i) {
    movement::copy_blocks(ctx.input(i).as<const uint8_t>(), d.part_bytes, out + i * d.part_bytes,
                          d.part_bytes * n, d.outer, d.part_bytes);
  }
  return Status::kOk;
}

[[gnu::cold]] Status prepare_unpack(PrepareContext& ctx) {
  const int n = ctx.num_outputs();
  if (ctx.num_inputs() != 1 || n < 1)
    return ctx.fail(Status::kMalformedModel, "expects one input and outputs");
  const TensorView input = ctx.input(0);
  if (!input.present()) return ctx.fail(Status::kMalformedModel, "input is missing");
  const auto* options = ctx.op().builtin_options_as_UnpackOptions();
  if (options && options->num() != n)
    return ctx.fail(Status::kMalformedModel, "num differs from the number of outputs");
  int32_t axis = options ? options->axis() : 0;
  if (axis < -input.rank || axis >= input.rank)
    return ctx.fail(Status::kMalformedModel, "axis out of range");
  if (axis < 0) axis += input.rank;
  for (int k = 0; k < n; ++k) {
    const TensorView output = ctx.output(k);
    if (!output.present()) return ctx.fail(Status::kMalformedModel, "an output is missing");
    Status s = check_like(ctx, input, output, "input");
    if (s != Status::kOk) return s;
    s = check_stacked(ctx, output, input, axis, n);
    if (s != Status::kOk) return s;
  }
  auto* data = ctx.allocate_persistent<StackData>();
  if (ctx.sizing()) return Status::kOk;
  data->outer = dims_product(input.dims, 0, axis);
  data->part_bytes =
      static_cast<size_t>(dims_product(input.dims, axis + 1, input.rank)) * dtype_size(input.type);
  return Status::kOk;
}

Status eval_unpack(EvalContext& ctx) {
  const StackData& d = *ctx.persistent<StackData>();
  const int n = ctx.num_outputs();
  if (d.part_bytes == 0) return Status::kOk;
  const uint8_t* in = ctx.input(0).as<const uint8_t>();
  for (int k = 0; k < n; ++k) {
    movement::copy_blocks(in + k * d.part_bytes, d.part_bytes * n, ctx.output(k).as<uint8_t>(),
                          d.part_bytes, d.outer, d.part_bytes);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_PACK = {
    static_cast<int32_t>(tflite::BuiltinOperator::PACK), 1, 4, prepare_pack, eval_pack, false};
extern const KernelRegistration kKernel_UNPACK = {
    static_cast<int32_t>(tflite::BuiltinOperator::UNPACK),
    1,
    4,
    prepare_unpack,
    eval_unpack,
    false};

}  // namespace tinyforge
