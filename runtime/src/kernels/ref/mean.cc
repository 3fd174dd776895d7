// MEAN over the axes given by a constant int32 tensor: float32, int8 and int16.
//
// float32: sums in input order, divides by the number of reduced elements (4D over axes {1, 2}
// with keep_dims takes a dedicated loop with the same summation order, as TFLM does).
// int8/int16: as TFLM's reference EvalIntegerMean (QuantizedMeanOrSum): an int32 sum per output
// (wrapping like TFLite's accumulator), minus input_zero_point * count, then one
// requantization whose multiplier folds in 1/count: multiplier(in_scale / out_scale) is scaled
// by 2^k / count (k = floor(log2(count)), capped at 32 and at 31 + shift) and the shift reduced
// by k; plus the output zero point, clamped to the dtype range.
#include "kernels/kernel.h"
#include "kernels/pool_common.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct MeanData {
  int32_t rank;
  int32_t dims[kMaxRank];
  int64_t out_stride[kMaxRank];  // output offset step per input index; 0 on reduced axes
  int64_t count;                 // input elements averaged into each output
  int64_t num_outputs;
  bool special_4d;  // float 4D over axes {1, 2} with keep_dims
  int32_t multiplier;
  int shift;
  int32_t input_zp;
  int32_t output_zp;
};

// Floor of log2 for a positive value.
int floor_log2(uint64_t v) {
  int n = -1;
  while (v != 0) {
    v >>= 1;
    ++n;
  }
  return n;
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (input, axis) and one output");
  const TensorView input = ctx.input(0), axis = ctx.input(1), output = ctx.output(0);
  if (axis.type != DataType::kInt32)
    return ctx.fail(Status::kMalformedModel, "axis tensor must be int32");
  if (!axis.is_constant || axis.data == nullptr)
    return ctx.fail(Status::kUnsupported, "axis tensor must be constant");
  if (axis.rank > 1) return ctx.fail(Status::kMalformedModel, "axis tensor must have rank 0 or 1");
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  const bool is_float = input.type == DataType::kFloat32;
  if (!is_float && input.type != DataType::kInt8 && input.type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  if (input.rank < 1) return ctx.fail(Status::kUnsupported, "scalar input is not supported");
  const auto* options = ctx.op().builtin_options_as_ReducerOptions();
  const bool keep_dims = options != nullptr && options->keep_dims();

  // Resolve axes: negative ones count from the end; duplicates are ignored.
  bool reduced[kMaxRank] = {};
  const int64_t num_axes = axis.elements();
  int32_t first_axes[2] = {-1, -1};  // the raw values, for TFLM's 4D special-case test
  for (int64_t i = 0; i < num_axes; ++i) {
    const int64_t a = read_index(axis, i);
    if (i < 2) first_axes[i] = static_cast<int32_t>(a);
    if (a < -input.rank || a >= input.rank)
      return ctx.fail(Status::kMalformedModel, "axis value out of range for the input rank");
    reduced[a < 0 ? a + input.rank : a] = true;
  }
  int64_t count = 1, num_outputs = 1;
  for (int i = 0; i < input.rank; ++i) {
    if (reduced[i])
      count *= input.dim(i);
    else
      num_outputs *= input.dim(i);
  }
  if (output.elements() != num_outputs)
    return ctx.fail(Status::kMalformedModel,
                    "output size does not match the input with the axes reduced");

  QuantizedMultiplier m;
  if (!is_float) {
    if (!input.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (!(input.scale() > 0.0f) || !(output.scale() > 0.0f))
      return ctx.fail(Status::kMalformedModel, "quantization scales must be positive");
    int32_t lo, hi;
    dtype_range(input.type, &lo, &hi);
    if (input.zero_point() < lo || input.zero_point() > hi || output.zero_point() < lo ||
        output.zero_point() > hi)
      return ctx.fail(Status::kMalformedModel, "zero point outside the dtype range");
    m = quantize_multiplier(static_cast<double>(input.scale()) /
                            static_cast<double>(output.scale()));
    if (count > 0) {
      int k = floor_log2(static_cast<uint64_t>(count));
      if (k > 32) k = 32;
      if (k > 31 + m.shift) k = 31 + m.shift;
      m.multiplier = static_cast<int32_t>((static_cast<int64_t>(m.multiplier) << k) / count);
      m.shift -= k;
    }
    // Per output element, the int32 sum.
    ctx.request_scratch(static_cast<size_t>(num_outputs) * sizeof(int32_t));
  }

  auto* data = ctx.allocate_persistent<MeanData>();
  if (ctx.sizing()) return Status::kOk;
  data->rank = input.rank;
  int64_t stride = 1;
  for (int i = input.rank - 1; i >= 0; --i) {
    data->dims[i] = input.dim(i);
    data->out_stride[i] = reduced[i] ? 0 : stride;
    if (!reduced[i]) stride *= input.dim(i);
  }
  data->count = count;
  data->num_outputs = num_outputs;
  data->special_4d =
      is_float && keep_dims && input.rank == 4 && num_axes == 2 &&
      ((first_axes[0] == 1 && first_axes[1] == 2) || (first_axes[0] == 2 && first_axes[1] == 1));
  data->multiplier = m.multiplier;
  data->shift = m.shift;
  data->input_zp = is_float ? 0 : input.zero_point();
  data->output_zp = is_float ? 0 : output.zero_point();
  return Status::kOk;
}

// Calls fn(input_index, output_index) for every input element in row-major order.
template <typename Fn>
void for_each_input(const MeanData& d, Fn fn) {
  int32_t index[kMaxRank] = {};
  int64_t total = 1;
  for (int i = 0; i < d.rank; ++i) total *= d.dims[i];
  int64_t out = 0;
  for (int64_t in = 0; in < total; ++in) {
    fn(in, out);
    // Advance the multi-index, keeping the output offset in step.
    for (int i = d.rank - 1; i >= 0; --i) {
      if (++index[i] < d.dims[i]) {
        out += d.out_stride[i];
        break;
      }
      out -= d.out_stride[i] * (d.dims[i] - 1);
      index[i] = 0;
    }
  }
}

void mean_float(const MeanData& d, const float* input, float* output) {
  if (d.special_4d) {
    const int32_t batches = d.dims[0], height = d.dims[1], width = d.dims[2], depth = d.dims[3];
    for (int32_t b = 0; b < batches; ++b) {
      for (int32_t c = 0; c < depth; ++c) {
        float sum = 0.0f;
        for (int32_t y = 0; y < height; ++y) {
          const float* row = input + ((static_cast<int64_t>(b) * height + y) * width) * depth + c;
          for (int32_t x = 0; x < width; ++x) sum += row[static_cast<int64_t>(x) * depth];
        }
        output[static_cast<int64_t>(b) * depth + c] =
            sum / static_cast<float>(static_cast<int64_t>(width) * height);
      }
    }
    return;
  }
  for (int64_t i = 0; i < d.num_outputs; ++i) output[i] = 0.0f;
  for_each_input(d, [&](int64_t in, int64_t out) { output[out] += input[in]; });
  if (d.count > 0) {
    const float divisor = static_cast<float>(d.count);
    for (int64_t i = 0; i < d.num_outputs; ++i) output[i] = output[i] / divisor;
  }
}

template <typename T>
void mean_quantized(const MeanData& d, const T* input, T* output, int32_t* sums) {
  for (int64_t i = 0; i < d.num_outputs; ++i) {
    output[i] = 0;
    sums[i] = 0;
  }
  if (d.count == 0) return;
  for_each_input(d, [&](int64_t in, int64_t out) {
    // TFLite's int32 accumulator wraps on overflow; do the same without UB.
    sums[out] = static_cast<int32_t>(static_cast<uint32_t>(sums[out]) +
                                     static_cast<uint32_t>(static_cast<int32_t>(input[in])));
  });
  const int64_t zp_total = static_cast<int64_t>(d.input_zp) * d.count;
  for (int64_t i = 0; i < d.num_outputs; ++i) {
    const int32_t shifted =
        static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(sums[i] - zp_total)));
    const int32_t value =
        multiply_by_quantized_multiplier(shifted, d.multiplier, d.shift) + d.output_zp;
    output[i] = static_cast<T>(clamp32(value, type_min<T>(), type_max<T>()));
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<MeanData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  auto* sums = static_cast<int32_t*>(ctx.scratch());
  switch (input.type) {
    case DataType::kFloat32:
      mean_float(d, input.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      mean_quantized(d, input.as<int8_t>(), output.as<int8_t>(), sums);
      break;
    default:
      mean_quantized(d, input.as<int16_t>(), output.as<int16_t>(), sums);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_MEAN = {
    static_cast<int32_t>(tflite::BuiltinOperator::MEAN), 1, 3, prepare, eval, false};

}  // namespace tinyforge
