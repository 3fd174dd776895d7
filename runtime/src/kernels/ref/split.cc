// SPLIT: cuts the input (input 1) into num_splits equal parts along a constant axis (input 0,
// negative counts from the end); output k holds part k.
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::dims_product;
using movement::index_value;
using movement::is_index_type;

struct SplitData {
  int64_t outer;
  size_t part_bytes;  // bytes of one output per outer index
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() < 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (axis, input) and outputs");
  const TensorView axis_t = ctx.input(0), input = ctx.input(1);
  if (!axis_t.present() || !input.present())
    return ctx.fail(Status::kMalformedModel, "axis and input are required");
  if (!is_index_type(axis_t.type) || axis_t.elements() != 1)
    return ctx.fail(Status::kMalformedModel, "axis must be one int32 or int64 value");
  if (!axis_t.is_constant) return ctx.fail(Status::kUnsupported, "axis must be constant");
  const auto* options = ctx.op().builtin_options_as_SplitOptions();
  const int n = ctx.num_outputs();
  if (options && options->num_splits() != n)
    return ctx.fail(Status::kMalformedModel, "num_splits differs from the number of outputs");
  int64_t axis = index_value(axis_t, 0);
  if (axis < -input.rank || axis >= input.rank)
    return ctx.fail(Status::kMalformedModel, "axis out of range");
  if (axis < 0) axis += input.rank;
  const int a = static_cast<int>(axis);
  if (input.dim(a) % n != 0)
    return ctx.fail(Status::kMalformedModel, "axis size is not a multiple of num_splits");
  for (int k = 0; k < n; ++k) {
    const TensorView output = ctx.output(k);
    if (!output.present()) return ctx.fail(Status::kMalformedModel, "an output is missing");
    Status s = check_like(ctx, input, output, "input");
    if (s != Status::kOk) return s;
    if (output.rank != input.rank)
      return ctx.fail(Status::kMalformedModel, "input and output ranks differ");
    for (int d = 0; d < input.rank; ++d) {
      const int32_t expected = d == a ? input.dim(d) / n : input.dim(d);
      if (output.dim(d) != expected)
        return ctx.fail(Status::kMalformedModel, "output shape is not an equal part of the input");
    }
  }
  auto* data = ctx.allocate_persistent<SplitData>();
  if (ctx.sizing()) return Status::kOk;
  data->outer = dims_product(input.dims, 0, a);
  data->part_bytes =
      static_cast<size_t>(dims_product(input.dims, a, input.rank) / n) * dtype_size(input.type);
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const SplitData& d = *ctx.persistent<SplitData>();
  const TensorView input = ctx.input(1);
  const int n = ctx.num_outputs();
  if (d.part_bytes == 0) return Status::kOk;
  const uint8_t* in = input.as<const uint8_t>();
  for (int k = 0; k < n; ++k) {
    movement::copy_blocks(in + k * d.part_bytes, d.part_bytes * n, ctx.output(k).as<uint8_t>(),
                          d.part_bytes, d.outer, d.part_bytes);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SPLIT = {
    static_cast<int32_t>(tflite::BuiltinOperator::SPLIT), 1, 4, prepare, eval, false};

}  // namespace tinyforge
