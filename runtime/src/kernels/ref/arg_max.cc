// ARG_MAX along one constant axis: float32, int8, uint8 and int16 inputs; int32 or int64 output.
// Ties resolve to the first maximum (a later element must be strictly greater), and a NaN never
// replaces the running maximum, as in TFLite's reference.
#include "kernels/kernel.h"
#include "kernels/pool_common.h"

namespace tinyforge {
namespace {

struct ArgMaxData {
  int64_t outer;      // product of the dimensions before the axis
  int64_t axis_size;  // length of the axis
  int64_t inner;      // product of the dimensions after the axis
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (input, axis) and one output");
  const TensorView input = ctx.input(0), axis = ctx.input(1), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kInt16:
      break;
    default:
      return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8, uint8 or int16");
  }
  if (output.type != DataType::kInt32 && output.type != DataType::kInt64)
    return ctx.fail(Status::kMalformedModel, "output dtype must be int32 or int64");
  const auto* options = ctx.op().builtin_options_as_ArgMaxOptions();
  if (options != nullptr) {
    // TFLM ignores the option; a declared int32/int64 that contradicts the tensor is an error.
    const auto declared = options->output_type();
    if ((declared == tflite::TensorType::INT32 || declared == tflite::TensorType::INT64) &&
        static_cast<int>(declared) != static_cast<int>(output.type))
      return ctx.fail(Status::kMalformedModel,
                      "output dtype does not match ArgMaxOptions.output_type");
  }
  if (axis.type != DataType::kInt32 && axis.type != DataType::kInt64)
    return ctx.fail(Status::kMalformedModel, "axis tensor must be int32 or int64");
  if (!axis.is_constant || axis.data == nullptr)
    return ctx.fail(Status::kUnsupported, "axis tensor must be constant");
  if (axis.elements() != 1)
    return ctx.fail(Status::kMalformedModel, "axis tensor must hold exactly one value");
  if (input.rank < 1) return ctx.fail(Status::kMalformedModel, "input must have rank >= 1");
  int64_t a = read_index(axis, 0);
  if (a < -input.rank || a >= input.rank)
    return ctx.fail(Status::kMalformedModel, "axis value out of range for the input rank");
  if (a < 0) a += input.rank;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < a; ++i) outer *= input.dim(i);
  for (int i = static_cast<int>(a) + 1; i < input.rank; ++i) inner *= input.dim(i);
  const int64_t axis_size = input.dim(static_cast<int>(a));
  if (axis_size < 1 && outer * inner > 0)
    return ctx.fail(Status::kMalformedModel, "the reduced axis is empty");
  if (output.elements() != outer * inner)
    return ctx.fail(Status::kMalformedModel,
                    "output size does not match the input with the axis removed");

  auto* data = ctx.allocate_persistent<ArgMaxData>();
  if (ctx.sizing()) return Status::kOk;
  data->outer = outer;
  data->axis_size = axis_size;
  data->inner = inner;
  return Status::kOk;
}

template <typename T, typename Index>
void arg_max(const ArgMaxData& d, const T* input, Index* output) {
  for (int64_t o = 0; o < d.outer; ++o) {
    const T* slab = input + o * d.axis_size * d.inner;
    for (int64_t j = 0; j < d.inner; ++j) {
      T best = slab[j];
      int64_t best_index = 0;
      for (int64_t i = 1; i < d.axis_size; ++i) {
        const T v = slab[i * d.inner + j];
        if (v > best) {
          best = v;
          best_index = i;
        }
      }
      output[o * d.inner + j] = static_cast<Index>(best_index);
    }
  }
}

template <typename T>
void dispatch_output(const ArgMaxData& d, const T* input, const TensorView& output) {
  if (output.type == DataType::kInt32)
    arg_max(d, input, output.as<int32_t>());
  else
    arg_max(d, input, output.as<int64_t>());
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<ArgMaxData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      dispatch_output(d, input.as<float>(), output);
      break;
    case DataType::kInt8:
      dispatch_output(d, input.as<int8_t>(), output);
      break;
    case DataType::kUInt8:
      dispatch_output(d, input.as<uint8_t>(), output);
      break;
    default:
      dispatch_output(d, input.as<int16_t>(), output);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_ARG_MAX = {
    static_cast<int32_t>(tflite::BuiltinOperator::ARG_MAX), 1, 3, prepare, eval, false};

}  // namespace tinyforge
