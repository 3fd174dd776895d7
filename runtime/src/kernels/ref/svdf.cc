// SVDF: inputs (input [B, I], weights_feature [F, I], weights_time [F, M], bias [F / rank] or
// omitted, activation_state [B, F * M] variable), output [B, F / rank]. Each invocation shifts
// every filter's memory left by one, writes input x weights_feature into the newest slot, takes
// the dot product of each filter's memory with its time weights and sums groups of `rank` filters
// into units (+ bias).
//
// float32, and full-integer int8 (int8 weights_feature, int8 or int16 weights_time with state of
// the same dtype, int32 bias) with TFLite Micro's arithmetic, including its quirks:
//  - the effective scales are products and quotients of floats, rounded to float, then widened;
//  - the new state value is clamped to the state dtype before the state zero point is added, and
//    the sum is narrowed to the dtype with wrap-around (TFLM's svdf_common.cc);
//  - no fused activation is applied to the integer output (TFLM applies it to float only).
#include <math.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/quant_math.h"
#include "kernels/tconv_svdf_common.h"

namespace tinyforge {
namespace {

constexpr int kInput = 0;
constexpr int kWeightsFeature = 1;
constexpr int kWeightsTime = 2;
constexpr int kBias = 3;
constexpr int kState = 4;

bool float_activation_supported(tflite::ActivationFunctionType a) {
  using A = tflite::ActivationFunctionType;
  return a == A::NONE || a == A::RELU || a == A::RELU_N1_TO_1 || a == A::RELU6 || a == A::TANH ||
         a == A::SIGN_BIT;
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 5 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (input, weights_feature, weights_time, bias, activation_state) "
                    "and one output");
  const TensorView input = ctx.input(kInput), feature = ctx.input(kWeightsFeature);
  const TensorView time = ctx.input(kWeightsTime), bias = ctx.input(kBias);
  const TensorView state = ctx.input(kState), output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_SVDFOptions();
  if (options == nullptr) return ctx.fail(Status::kMalformedModel, "missing SVDFOptions");
  const int32_t rank = options->rank();
  if (rank < 1) return ctx.fail(Status::kMalformedModel, "rank must be at least 1");

  if (input.rank != 2 || feature.rank != 2 || time.rank != 2 || state.rank != 2 || output.rank != 2)
    return ctx.fail(Status::kMalformedModel,
                    "input, weights, activation_state and output must have rank 2");
  const int32_t batches = input.dim(0), input_size = input.dim(1);
  const int32_t num_filters = feature.dim(0), memory = time.dim(1);
  if (num_filters % rank != 0)
    return ctx.fail(Status::kMalformedModel, "number of filters is not a multiple of rank");
  const int32_t num_units = num_filters / rank;
  if (feature.dim(1) != input_size)
    return ctx.fail(Status::kMalformedModel, "weights_feature width does not match the input");
  if (time.dim(0) != num_filters)
    return ctx.fail(Status::kMalformedModel, "weights_time rows do not match weights_feature");
  if (output.dim(0) != batches || output.dim(1) != num_units)
    return ctx.fail(Status::kMalformedModel, "output shape is not [batches, filters / rank]");
  if (bias.present() && bias.elements() != num_units)
    return ctx.fail(Status::kMalformedModel, "bias size does not match the number of units");
  if (state.dim(0) != batches ||
      static_cast<int64_t>(state.dim(1)) != static_cast<int64_t>(memory) * num_filters)
    return ctx.fail(Status::kMalformedModel,
                    "activation_state shape is not [batches, memory_size * filters]");
  if (!state.is_variable)
    return ctx.fail(Status::kMalformedModel, "activation_state must be a variable tensor");

  const bool is_float = input.type == DataType::kFloat32;
  QuantizedMultiplier feature_scale, output_scale;
  if (is_float) {
    if (feature.type != DataType::kFloat32 || time.type != DataType::kFloat32 ||
        state.type != DataType::kFloat32 || output.type != DataType::kFloat32 ||
        (bias.present() && bias.type != DataType::kFloat32))
      return ctx.fail(Status::kUnsupported,
                      "float32 input needs float32 weights, bias, state and output (hybrid "
                      "models are not supported)");
    if (!float_activation_supported(options->fused_activation_function()))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else if (input.type == DataType::kInt8) {
    if (feature.type != DataType::kInt8 ||
        (time.type != DataType::kInt8 && time.type != DataType::kInt16) ||
        state.type != time.type || output.type != DataType::kInt8 ||
        (bias.present() && bias.type != DataType::kInt32))
      return ctx.fail(Status::kUnsupported,
                      "int8 input needs int8 weights_feature, int8 or int16 weights_time with "
                      "activation_state of the same dtype, int32 bias and int8 output");
    if (!input.is_quantized() || !feature.is_quantized() || !time.is_quantized() ||
        !state.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (!zero_points_in_range(input) || !zero_points_in_range(state) ||
        !zero_points_in_range(output))
      return ctx.fail(Status::kMalformedModel, "zero point outside its dtype's range");
    if (!usable_scale(state.scale()) || !usable_scale(output.scale()))
      return ctx.fail(Status::kMalformedModel,
                      "activation_state and output scales must be positive");
    // TFLM computes both effective scales in float, then widens them.
    const float scale_1 = input.scale() * feature.scale() / state.scale();
    const float scale_2 = state.scale() * time.scale() / output.scale();
    if (bias.present()) {
      const double expected = static_cast<double>(state.scale() * time.scale());
      const double diff = static_cast<double>(bias.scale()) - expected;
      if (!(diff < 1e-5 && diff > -1e-5))
        return ctx.fail(Status::kMalformedModel,
                        "bias scale must equal activation_state scale x weights_time scale");
    }
    if (!checked_multiplier(static_cast<double>(scale_1), kMaxShift32, &feature_scale) ||
        !checked_multiplier(static_cast<double>(scale_2), kMaxShift32, &output_scale))
      return ctx.fail(Status::kUnsupported, "rescale factor is out of range");
  } else {
    return ctx.fail(Status::kUnsupported, "input dtype must be float32 or int8");
  }

  const size_t acc_size = is_float ? sizeof(float) : sizeof(int32_t);
  size_t scratch = static_cast<size_t>(batches) * static_cast<size_t>(num_filters) * acc_size;
  if (!is_float)
    scratch += static_cast<size_t>(batches) * static_cast<size_t>(num_units) * acc_size;
  ctx.request_scratch(scratch);
  auto* data = ctx.allocate_persistent<SvdfData>();
  if (ctx.sizing()) return Status::kOk;

  data->batches = batches;
  data->input_size = input_size;
  data->num_filters = num_filters;
  data->num_units = num_units;
  data->rank = rank;
  data->memory = memory;
  data->activation = options->fused_activation_function();
  if (!is_float) {
    data->feature_scale = feature_scale;
    data->output_scale = output_scale;
    data->input_zero_point = input.zero_point();
    data->state_zero_point = state.zero_point();
    data->output_zero_point = output.zero_point();
  }
  return Status::kOk;
}

float activate(tflite::ActivationFunctionType activation, float x) {
  using A = tflite::ActivationFunctionType;
  switch (activation) {
    case A::RELU:
      return x < 0.0f ? 0.0f : x;
    case A::RELU_N1_TO_1:
      return clampf(x, -1.0f, 1.0f);
    case A::RELU6:
      return clampf(x, 0.0f, 6.0f);
    case A::TANH:
      return tanhf(x);
    case A::SIGN_BIT:
      return signbit(x) ? 1.0f : 0.0f;
    default:
      return x;
  }
}

// Drops each filter's oldest memory slot. Shifting the whole state by one element is the same:
// the slot that receives the next filter's oldest value is overwritten with the new feature.
template <typename T>
void shift_state(T* state, int64_t count) {
  if (count > 1) memmove(state, state + 1, static_cast<size_t>(count - 1) * sizeof(T));
}

void eval_float(const SvdfData& d, const float* input, const float* feature, const float* time,
                const float* bias, float* state, float* scratch, float* output) {
  const int64_t filter_block = static_cast<int64_t>(d.num_filters) * d.memory;
  shift_state(state, d.batches * filter_block);
  for (int32_t b = 0; b < d.batches; ++b) {
    const float* in = input + static_cast<int64_t>(b) * d.input_size;
    float* newest = state + b * filter_block + (d.memory - 1);
    for (int32_t f = 0; f < d.num_filters; ++f) {
      const float* w = feature + static_cast<int64_t>(f) * d.input_size;
      float dot = 0.0f;
      for (int32_t i = 0; i < d.input_size; ++i) dot += w[i] * in[i];
      newest[static_cast<int64_t>(f) * d.memory] = dot;
    }
  }
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t f = 0; f < d.num_filters; ++f) {
      const float* w = time + static_cast<int64_t>(f) * d.memory;
      const float* s = state + b * filter_block + static_cast<int64_t>(f) * d.memory;
      float dot = 0.0f;
      for (int32_t m = 0; m < d.memory; ++m) dot += w[m] * s[m];
      scratch[static_cast<int64_t>(b) * d.num_filters + f] = dot;
    }
  }
  for (int32_t b = 0; b < d.batches; ++b) {
    const float* s = scratch + static_cast<int64_t>(b) * d.num_filters;
    float* out = output + static_cast<int64_t>(b) * d.num_units;
    for (int32_t u = 0; u < d.num_units; ++u) {
      float sum = bias != nullptr ? bias[u] : 0.0f;
      for (int32_t r = 0; r < d.rank; ++r) sum += s[static_cast<int64_t>(u) * d.rank + r];
      out[u] = activate(d.activation, sum);
    }
  }
}

// T: dtype of weights_time and activation_state (int8 or int16).
template <typename T>
void eval_integer(const SvdfData& d, const int8_t* input, const int8_t* feature, const T* time,
                  const int32_t* bias, T* state, int32_t* scratch, int8_t* output) {
  const int64_t filter_block = static_cast<int64_t>(d.num_filters) * d.memory;
  shift_state(state, d.batches * filter_block);
  for (int32_t b = 0; b < d.batches; ++b) {
    const int8_t* in = input + static_cast<int64_t>(b) * d.input_size;
    T* newest = state + b * filter_block + (d.memory - 1);
    for (int32_t f = 0; f < d.num_filters; ++f) {
      const int8_t* w = feature + static_cast<int64_t>(f) * d.input_size;
      int32_t dot = 0;
      for (int32_t i = 0; i < d.input_size; ++i)
        dot = wrapping_add(dot, w[i] * (in[i] - d.input_zero_point));
      dot =
          multiply_by_quantized_multiplier(dot, d.feature_scale.multiplier, d.feature_scale.shift);
      dot = clamp32(dot, type_min<T>(), type_max<T>());
      // Zero point added after the clamp and narrowed with wrap-around, as TFLM does.
      const int32_t stored = wrapping_add(dot, d.state_zero_point);
      newest[static_cast<int64_t>(f) * d.memory] = static_cast<T>(
          sizeof(T) == 1 ? static_cast<uint8_t>(stored) : static_cast<uint16_t>(stored));
    }
  }
  int32_t* per_filter = scratch;
  int32_t* per_unit = scratch + static_cast<int64_t>(d.batches) * d.num_filters;
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t f = 0; f < d.num_filters; ++f) {
      const T* w = time + static_cast<int64_t>(f) * d.memory;
      const T* s = state + b * filter_block + static_cast<int64_t>(f) * d.memory;
      int32_t dot = 0;
      for (int32_t m = 0; m < d.memory; ++m)
        dot = wrapping_add(dot, wrap32(static_cast<int64_t>(w[m]) * (s[m] - d.state_zero_point)));
      per_filter[static_cast<int64_t>(b) * d.num_filters + f] = dot;
    }
  }
  for (int32_t b = 0; b < d.batches; ++b) {
    const int32_t* s = per_filter + static_cast<int64_t>(b) * d.num_filters;
    int32_t* acc = per_unit + static_cast<int64_t>(b) * d.num_units;
    for (int32_t u = 0; u < d.num_units; ++u) {
      int32_t sum = bias != nullptr ? bias[u] : 0;
      for (int32_t r = 0; r < d.rank; ++r)
        sum = wrapping_add(sum, s[static_cast<int64_t>(u) * d.rank + r]);
      acc[u] = sum;
    }
  }
  const int64_t count = static_cast<int64_t>(d.batches) * d.num_units;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t scaled = multiply_by_quantized_multiplier(per_unit[i], d.output_scale.multiplier,
                                                            d.output_scale.shift);
    output[i] = static_cast<int8_t>(clamp32(wrapping_add(scaled, d.output_zero_point), -128, 127));
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<SvdfData>();
  const TensorView input = ctx.input(kInput), feature = ctx.input(kWeightsFeature);
  const TensorView time = ctx.input(kWeightsTime), bias = ctx.input(kBias);
  const TensorView state = ctx.input(kState), output = ctx.output(0);
  if (input.type == DataType::kFloat32) {
    eval_float(d, input.as<float>(), feature.as<float>(), time.as<float>(),
               bias.present() ? bias.as<float>() : nullptr, state.as<float>(),
               static_cast<float*>(ctx.scratch()), output.as<float>());
  } else if (time.type == DataType::kInt8) {
    eval_integer<int8_t>(d, input.as<int8_t>(), feature.as<int8_t>(), time.as<int8_t>(),
                         bias.present() ? bias.as<int32_t>() : nullptr, state.as<int8_t>(),
                         static_cast<int32_t*>(ctx.scratch()), output.as<int8_t>());
  } else {
    eval_integer<int16_t>(d, input.as<int8_t>(), feature.as<int8_t>(), time.as<int16_t>(),
                          bias.present() ? bias.as<int32_t>() : nullptr, state.as<int16_t>(),
                          static_cast<int32_t*>(ctx.scratch()), output.as<int8_t>());
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SVDF = {
    static_cast<int32_t>(tflite::BuiltinOperator::SVDF), 1, 4, prepare, eval, false};

}  // namespace tinyforge
