// PAD and PADV2: surrounds the input with a constant. Paddings are a constant int32 or int64
// [rank, 2] tensor (before, after per dimension). The pad value is PADV2's constant input when
// given; otherwise, as in TFLite Micro, 0 for float32, int16 and int32 and the output zero
// point for int8.
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::index_value;
using movement::is_index_type;

struct PadData {
  int rank;
  int32_t in_dims[kMaxRank];
  int32_t before[kMaxRank];
  int32_t after[kMaxRank];
  int64_t in_stride[kMaxRank];   // elements
  int64_t out_stride[kMaxRank];  // elements
  int32_t default_value;         // when there is no constant input (integer types)
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (input, paddings[, constant_values]) and one output");
  const TensorView input = ctx.input(0), paddings = ctx.input(1), value = ctx.input(2);
  const TensorView output = ctx.output(0);
  if (!input.present() || !paddings.present())
    return ctx.fail(Status::kMalformedModel, "input and paddings are required");
  if (input.type != DataType::kFloat32 && input.type != DataType::kInt8 &&
      input.type != DataType::kInt16 && input.type != DataType::kInt32)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8, int16 or int32");
  Status s = check_like(ctx, input, output, "input");
  if (s != Status::kOk) return s;
  if (input.rank != output.rank)
    return ctx.fail(Status::kMalformedModel, "input and output ranks differ");
  if (!is_index_type(paddings.type))
    return ctx.fail(Status::kMalformedModel, "paddings must be int32 or int64");
  if (paddings.rank != 2 || paddings.dim(0) != input.rank || paddings.dim(1) != 2)
    return ctx.fail(Status::kMalformedModel, "paddings must have shape [rank, 2]");
  if (!paddings.is_constant) return ctx.fail(Status::kUnsupported, "paddings must be constant");
  if (value.present()) {
    s = check_like(ctx, value, output, "constant_values");
    if (s != Status::kOk) return s;
    if (value.elements() != 1)
      return ctx.fail(Status::kMalformedModel, "constant_values must hold one value");
  }
  for (int d = 0; d < input.rank; ++d) {
    const int64_t before = index_value(paddings, 2 * d), after = index_value(paddings, 2 * d + 1);
    if (before < 0 || after < 0)
      return ctx.fail(Status::kUnsupported, "negative paddings are not supported");
    if (static_cast<int64_t>(input.dim(d)) + before + after != output.dim(d))
      return ctx.fail(Status::kMalformedModel, "output shape is not the padded input shape");
  }
  int32_t default_value = 0;
  if (input.type == DataType::kInt8 && !value.present()) {
    default_value = output.zero_point();
    if (default_value < -128 || default_value > 127)
      return ctx.fail(Status::kMalformedModel, "output zero point is outside the int8 range");
  }

  auto* data = ctx.allocate_persistent<PadData>();
  if (ctx.sizing()) return Status::kOk;
  data->rank = input.rank;
  data->default_value = default_value;
  int64_t in_stride = 1, out_stride = 1;
  for (int d = input.rank - 1; d >= 0; --d) {
    data->in_dims[d] = input.dim(d);
    data->before[d] = static_cast<int32_t>(index_value(paddings, 2 * d));
    data->after[d] = static_cast<int32_t>(index_value(paddings, 2 * d + 1));
    data->in_stride[d] = in_stride;
    data->out_stride[d] = out_stride;
    in_stride *= input.dim(d);
    out_stride *= output.dim(d);
  }
  return Status::kOk;
}

template <typename T>
void fill(T* out, int64_t count, T value) {
  for (int64_t i = 0; i < count; ++i) out[i] = value;
}

// Writes the output block of dimension `d` (and deeper) from the matching input block.
template <typename T>
void pad_block(const PadData& p, int d, const T* in, T* out, T value) {
  const int64_t out_step = p.out_stride[d];
  fill(out, p.before[d] * out_step, value);
  out += p.before[d] * out_step;
  if (d == p.rank - 1) {
    if (p.in_dims[d] > 0) memcpy(out, in, sizeof(T) * static_cast<size_t>(p.in_dims[d]));
  } else {
    for (int32_t i = 0; i < p.in_dims[d]; ++i)
      pad_block(p, d + 1, in + i * p.in_stride[d], out + i * out_step, value);
  }
  out += p.in_dims[d] * out_step;
  fill(out, p.after[d] * out_step, value);
}

template <typename T>
void run(const PadData& p, const TensorView& input, const TensorView& output, T value) {
  if (p.rank == 0) {
    *output.as<T>() = *input.as<const T>();
    return;
  }
  pad_block(p, 0, input.as<const T>(), output.as<T>(), value);
}

Status eval(EvalContext& ctx) {
  const PadData& p = *ctx.persistent<PadData>();
  const TensorView input = ctx.input(0), value = ctx.input(2), output = ctx.output(0);
  if (output.elements() == 0) return Status::kOk;
  const bool given = value.present();
  switch (input.type) {
    case DataType::kFloat32:
      run<float>(p, input, output, given ? *value.as<const float>() : 0.0f);
      break;
    case DataType::kInt8:
      run<int8_t>(p, input, output,
                  given ? *value.as<const int8_t>() : static_cast<int8_t>(p.default_value));
      break;
    case DataType::kInt16:
      run<int16_t>(p, input, output, given ? *value.as<const int16_t>() : int16_t{0});
      break;
    default:
      run<int32_t>(p, input, output, given ? *value.as<const int32_t>() : 0);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_PAD = {
    static_cast<int32_t>(tflite::BuiltinOperator::PAD), 1, 5, prepare, eval, false};
extern const KernelRegistration kKernel_PADV2 = {
    static_cast<int32_t>(tflite::BuiltinOperator::PADV2), 1, 5, prepare, eval, false};

}  // namespace tinyforge
