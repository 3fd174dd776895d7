// CONCATENATION: joins any number of inputs along one axis (negative counts from the end).
// Like TFLite Micro, values are copied unchanged (no requantization), so quantized inputs must
// share the output's scale and zero point; no fused activation.
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::dims_product;

struct ConcatData {
  int32_t axis;
  int64_t outer;        // product of the dimensions before the axis
  int64_t inner_bytes;  // bytes of one index along the axis (dimensions after it)
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects at least one input and one output");
  const TensorView output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_ConcatenationOptions();
  int32_t axis = options ? options->axis() : 0;
  if (options && options->fused_activation_function() != tflite::ActivationFunctionType::NONE)
    return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  if (axis < -output.rank || axis >= output.rank)
    return ctx.fail(Status::kMalformedModel, "axis out of range");
  if (axis < 0) axis += output.rank;
  int64_t total = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const TensorView input = ctx.input(i);
    if (!input.present()) return ctx.fail(Status::kMalformedModel, "an input is missing");
    Status s = check_like(ctx, input, output, "an input");
    if (s != Status::kOk) return s;
    if (input.rank != output.rank)
      return ctx.fail(Status::kMalformedModel, "input and output ranks differ");
    for (int d = 0; d < output.rank; ++d) {
      if (d != axis && input.dim(d) != output.dim(d))
        return ctx.fail(Status::kMalformedModel,
                        "input shape differs from the output outside the axis");
    }
    total += input.dim(axis);
  }
  if (total != output.dim(axis))
    return ctx.fail(Status::kMalformedModel, "input sizes along the axis do not add up");
  auto* data = ctx.allocate_persistent<ConcatData>();
  if (ctx.sizing()) return Status::kOk;
  data->axis = axis;
  data->outer = dims_product(output.dims, 0, axis);
  data->inner_bytes = dims_product(output.dims, axis + 1, output.rank) *
                      static_cast<int64_t>(dtype_size(output.type));
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const ConcatData& d = *ctx.persistent<ConcatData>();
  const TensorView output = ctx.output(0);
  if (output.elements() == 0) return Status::kOk;
  const size_t out_row = static_cast<size_t>(output.dim(d.axis) * d.inner_bytes);
  uint8_t* out = output.as<uint8_t>();
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const TensorView input = ctx.input(i);
    const size_t row = static_cast<size_t>(input.dim(d.axis) * d.inner_bytes);
    if (row > 0) movement::copy_blocks(input.as<const uint8_t>(), row, out, out_row, d.outer, row);
    out += row;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_CONCATENATION = {
    static_cast<int32_t>(tflite::BuiltinOperator::CONCATENATION), 1, 4, prepare, eval, false};

}  // namespace tinyforge
