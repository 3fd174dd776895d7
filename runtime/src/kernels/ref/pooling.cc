// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors: float32, int8 and int16. Windows are clipped
// to the input (padding never counts towards an average); quantized averages round half away
// from zero with integer division as TFLite's reference does; then the fused activation clamps.
#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/pool_common.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects one input and one output");
  const TensorView input = ctx.input(0), output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_Pool2DOptions();
  if (options == nullptr) return ctx.fail(Status::kMalformedModel, "missing Pool2DOptions");
  if (input.rank != 4 || output.rank != 4)
    return ctx.fail(Status::kMalformedModel, "input and output must have rank 4 (NHWC)");
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  const bool is_float = input.type == DataType::kFloat32;
  if (!is_float && input.type != DataType::kInt8 && input.type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  const int64_t stride_h = options->stride_h(), stride_w = options->stride_w();
  const int64_t filter_h = options->filter_height(), filter_w = options->filter_width();
  if (stride_h < 1 || stride_w < 1)
    return ctx.fail(Status::kMalformedModel, "strides must be at least 1");
  if (filter_h < 1 || filter_w < 1)
    return ctx.fail(Status::kMalformedModel, "filter size must be at least 1");
  const auto padding = options->padding();
  if (padding != tflite::Padding::SAME && padding != tflite::Padding::VALID)
    return ctx.fail(Status::kMalformedModel, "unknown padding");
  const int64_t in_h = input.dim(1), in_w = input.dim(2);
  const int64_t out_h = pool_output_size(padding, in_h, filter_h, stride_h);
  const int64_t out_w = pool_output_size(padding, in_w, filter_w, stride_w);
  if (out_h < 1 || out_w < 1)
    return ctx.fail(Status::kMalformedModel, "filter is larger than the input (VALID padding)");
  if (output.dim(0) != input.dim(0) || output.dim(3) != input.dim(3) || output.dim(1) != out_h ||
      output.dim(2) != out_w)
    return ctx.fail(Status::kMalformedModel,
                    "output shape does not match [batch, out_height, out_width, channels] for "
                    "these strides, filter and padding");

  int32_t act_min = 0, act_max = 0;
  float act_min_f = 0, act_max_f = 0;
  const auto activation = options->fused_activation_function();
  if (is_float) {
    if (!float_activation_range(activation, &act_min_f, &act_max_f))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else {
    if (!input.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    const double diff = static_cast<double>(input.scale()) - static_cast<double>(output.scale());
    if (diff > 1e-6 || diff < -1e-6 || input.zero_point() != output.zero_point())
      return ctx.fail(Status::kUnsupported, "input and output must share scale and zero point");
    if (!quantized_activation_range(activation, output, &act_min, &act_max))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  }

  auto* data = ctx.allocate_persistent<PoolData>();
  const int64_t pad_h = pool_padding(in_h, filter_h, stride_h, out_h);
  const int64_t pad_w = pool_padding(in_w, filter_w, stride_w, out_w);
  // Each output channel of a pixel is written right after its window is read.
  const SlidingWindow window{input.dim(0),
                             static_cast<int32_t>(in_h),
                             static_cast<int32_t>(in_w),
                             static_cast<int32_t>(out_h),
                             static_cast<int32_t>(out_w),
                             static_cast<int32_t>(stride_h),
                             static_cast<int32_t>(stride_w),
                             static_cast<int32_t>(pad_h),
                             static_cast<int32_t>(pad_w)};
  allow_window_in_place(ctx, window, /*reads_first=*/false);
  if (ctx.sizing()) return Status::kOk;
  data->batches = input.dim(0);
  data->in_h = input.dim(1);
  data->in_w = input.dim(2);
  data->depth = input.dim(3);
  data->out_h = static_cast<int32_t>(out_h);
  data->out_w = static_cast<int32_t>(out_w);
  data->stride_h = static_cast<int32_t>(stride_h);
  data->stride_w = static_cast<int32_t>(stride_w);
  data->filter_h = static_cast<int32_t>(filter_h);
  data->filter_w = static_cast<int32_t>(filter_w);
  data->pad_h = static_cast<int32_t>(pad_h);
  data->pad_w = static_cast<int32_t>(pad_w);
  data->act_min = act_min;
  data->act_max = act_max;
  data->act_min_f = act_min_f;
  data->act_max_f = act_max_f;
  return Status::kOk;
}

// Visits every output element: fn(window, input channel pointer at (batch, 0, 0, c),
// output element index).
template <typename Fn>
void for_each_output(const PoolData& d, Fn fn) {
  const int64_t row = static_cast<int64_t>(d.in_w) * d.depth;
  const int64_t image = row * d.in_h;
  int64_t out_index = 0;
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t oy = 0; oy < d.out_h; ++oy) {
      for (int32_t ox = 0; ox < d.out_w; ++ox) {
        const PoolWindow w = window_at(d, oy, ox);
        for (int32_t c = 0; c < d.depth; ++c) fn(w, b * image + c, row, out_index++);
      }
    }
  }
}

template <typename T>
void average_quantized(const PoolData& d, const T* input, T* output) {
  for_each_output(d, [&](const PoolWindow& w, int64_t base, int64_t row, int64_t out) {
    int64_t sum = 0;
    int32_t count = 0;
    for (int32_t y = w.y0; y < w.y1; ++y) {
      for (int32_t x = w.x0; x < w.x1; ++x) {
        sum += input[base + y * row + static_cast<int64_t>(x) * d.depth];
        ++count;
      }
    }
    output[out] = static_cast<T>(rounded_average(sum, count, d.act_min, d.act_max));
  });
}

void average_float(const PoolData& d, const float* input, float* output) {
  for_each_output(d, [&](const PoolWindow& w, int64_t base, int64_t row, int64_t out) {
    float total = 0.0f, count = 0.0f;
    for (int32_t y = w.y0; y < w.y1; ++y) {
      for (int32_t x = w.x0; x < w.x1; ++x) {
        total += input[base + y * row + static_cast<int64_t>(x) * d.depth];
        count += 1.0f;
      }
    }
    if (count == 0.0f) count = 1.0f;
    output[out] = clampf(total / count, d.act_min_f, d.act_max_f);
  });
}

template <typename T>
void max_quantized(const PoolData& d, const T* input, T* output) {
  for_each_output(d, [&](const PoolWindow& w, int64_t base, int64_t row, int64_t out) {
    int32_t best = type_min<T>();
    for (int32_t y = w.y0; y < w.y1; ++y) {
      for (int32_t x = w.x0; x < w.x1; ++x) {
        const int32_t v = input[base + y * row + static_cast<int64_t>(x) * d.depth];
        if (v > best) best = v;
      }
    }
    output[out] = static_cast<T>(clamp32(best, d.act_min, d.act_max));
  });
}

void max_float(const PoolData& d, const float* input, float* output) {
  for_each_output(d, [&](const PoolWindow& w, int64_t base, int64_t row, int64_t out) {
    float best = -3.402823466e+38f;
    for (int32_t y = w.y0; y < w.y1; ++y) {
      for (int32_t x = w.x0; x < w.x1; ++x) {
        const float v = input[base + y * row + static_cast<int64_t>(x) * d.depth];
        if (best < v) best = v;
      }
    }
    output[out] = clampf(best, d.act_min_f, d.act_max_f);
  });
}

Status eval_average(EvalContext& ctx) {
  const PoolData d = in_band(*ctx.persistent<PoolData>(), ctx.band());
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      if (kWithFloat32) average_float(d, input.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      average_quantized(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      if (kWithInt16) average_quantized(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

Status eval_max(EvalContext& ctx) {
  const PoolData d = in_band(*ctx.persistent<PoolData>(), ctx.band());
  const TensorView input = ctx.input(0), output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      if (kWithFloat32) max_float(d, input.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      max_quantized(d, input.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      if (kWithInt16) max_quantized(d, input.as<int16_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_AVERAGE_POOL_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::AVERAGE_POOL_2D),
    1,
    3,
    prepare,
    eval_average,
    false};
extern const KernelRegistration kKernel_MAX_POOL_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::MAX_POOL_2D), 1, 3, prepare, eval_max, false};

}  // namespace tinyforge
