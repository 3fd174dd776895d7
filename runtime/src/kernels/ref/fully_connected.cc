// FULLY_CONNECTED: output[b, o] = sum_d input[b, d] * filter[o, d] + bias[o], then the fused
// activation. float32, int8 (per-tensor or per-channel filter) and int16 activations with int8
// filter (int64 bias), with TFLite's requantization.
#include "kernels/fully_connected_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using fully_connected::FullyConnectedData;

const tflite::FullyConnectedOptions* options_of(const OpContext& ctx) {
  return ctx.op().builtin_options_as_FullyConnectedOptions();
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (input, filter[, bias]) and one output");
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  const auto* options = options_of(ctx);
  const auto activation =
      options ? options->fused_activation_function() : tflite::ActivationFunctionType::NONE;
  if (options && options->weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
    return ctx.fail(Status::kUnsupported, "shuffled weights format is not supported");
  if (filter.rank != 2) return ctx.fail(Status::kMalformedModel, "filter must have rank 2");
  const int32_t units = filter.dim(0), depth = filter.dim(1);
  if (input.elements() % depth != 0)
    return ctx.fail(Status::kMalformedModel, "input size is not a multiple of the filter depth");
  const int32_t batches = static_cast<int32_t>(input.elements() / depth);
  if (output.elements() != static_cast<int64_t>(batches) * units || output.dim(-1) != units)
    return ctx.fail(Status::kMalformedModel, "output shape does not match [batches, units]");
  if (bias.present() && bias.elements() != units)
    return ctx.fail(Status::kMalformedModel, "bias size does not match the number of units");
  if (!filter.is_constant) return ctx.fail(Status::kUnsupported, "filter must be constant");

  const bool is_float = input.type == DataType::kFloat32;
  const bool is_int8 = input.type == DataType::kInt8;
  const bool is_int16 = input.type == DataType::kInt16;
  if (is_float) {
    if (filter.type != DataType::kFloat32 || output.type != DataType::kFloat32 ||
        (bias.present() && bias.type != DataType::kFloat32))
      return ctx.fail(Status::kUnsupported,
                      "float32 input needs float32 filter, bias and output (hybrid models are "
                      "not supported)");
  } else if (is_int8 || is_int16) {
    const DataType bias_type = is_int8 ? DataType::kInt32 : DataType::kInt64;
    if (filter.type != DataType::kInt8 || output.type != input.type ||
        (bias.present() && bias.type != bias_type))
      return ctx.fail(Status::kUnsupported,
                      is_int8 ? "int8 input needs int8 filter, int32 bias and int8 output"
                              : "int16 input needs int8 filter, int64 bias and int16 output");
    if (!input.is_quantized() || !filter.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (filter.num_scales != 1 && filter.num_scales != units)
      return ctx.fail(Status::kMalformedModel, "filter needs one scale or one per unit");
    if (is_int16 && (input.zero_point() != 0 || output.zero_point() != 0))
      return ctx.fail(Status::kUnsupported, "int16 activations must have zero point 0");
  } else {
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  }

  auto* data = ctx.allocate_persistent<FullyConnectedData>();
  const int32_t num_multipliers = is_float ? 0 : filter.num_scales;
  auto* multiplier_block =
      static_cast<int32_t*>(ctx.allocate_persistent(ChannelMultipliers::bytes(num_multipliers)));
  ChannelMultipliers multipliers = ChannelMultipliers::in(multiplier_block, num_multipliers);
  for (int32_t c = 0; c < num_multipliers; ++c) {
    const double real = static_cast<double>(input.scale()) * static_cast<double>(filter.scale(c)) /
                        static_cast<double>(output.scale());
    const QuantizedMultiplier m = quantize_multiplier(real);
    if (m.shift > 30)
      return ctx.fail(Status::kUnsupported, "effective output multiplier is too large");
    if (!multipliers.empty()) multipliers.set(c, m);
  }
  int32_t act_min = 0, act_max = 0;
  float act_min_f = 0, act_max_f = 0;
  const bool fusable = is_float
                           ? float_activation_range(activation, &act_min_f, &act_max_f)
                           : quantized_activation_range(activation, output, &act_min, &act_max);
  if (!fusable) return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  if (ctx.sizing()) return Status::kOk;

  data->batches = batches;
  data->depth = depth;
  data->units = units;
  data->act_min = act_min;
  data->act_max = act_max;
  data->act_min_f = act_min_f;
  data->act_max_f = act_max_f;
  data->num_multipliers = num_multipliers;
  data->multiplier_block = multiplier_block;
  if (!is_float) {
    data->input_offset = -input.zero_point();
    data->filter_offset = -filter.zero_point();
    data->output_offset = output.zero_point();
  }
  return Status::kOk;
}

template <typename In, typename Bias, typename Acc>
void eval_quantized(const FullyConnectedData& d, const In* input, const int8_t* filter,
                    const Bias* bias, In* output) {
  const ChannelMultipliers multipliers = d.multipliers();
  for (int32_t b = 0; b < d.batches; ++b) {
    const In* in = input + static_cast<int64_t>(b) * d.depth;
    for (int32_t o = 0; o < d.units; ++o) {
      const int8_t* w = filter + static_cast<int64_t>(o) * d.depth;
      Acc acc = 0;
      for (int32_t i = 0; i < d.depth; ++i) {
        acc += static_cast<Acc>(in[i] + d.input_offset) * static_cast<Acc>(w[i] + d.filter_offset);
      }
      if (bias != nullptr) acc += load_unaligned(bias, o);
      const QuantizedMultiplier m = multipliers[d.num_multipliers == 1 ? 0 : o];
      int32_t value = multiply_by_quantized_multiplier(acc, m.multiplier, m.shift);
      value += d.output_offset;
      output[static_cast<int64_t>(b) * d.units + o] =
          static_cast<In>(clamp32(value, d.act_min, d.act_max));
    }
  }
}

void eval_float(const FullyConnectedData& d, const float* input, const float* filter,
                const float* bias, float* output) {
  for (int32_t b = 0; b < d.batches; ++b) {
    const float* in = input + static_cast<int64_t>(b) * d.depth;
    for (int32_t o = 0; o < d.units; ++o) {
      const float* w = filter + static_cast<int64_t>(o) * d.depth;
      float acc = 0.0f;
      for (int32_t i = 0; i < d.depth; ++i) acc += in[i] * w[i];
      if (bias != nullptr) acc += load_unaligned(bias, o);
      output[static_cast<int64_t>(b) * d.units + o] = clampf(acc, d.act_min_f, d.act_max_f);
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<FullyConnectedData>();
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  switch (input.type) {
    case DataType::kFloat32:
      if (kWithFloat32)
        eval_float(d, input.as<float>(), filter.as<float>(), bias.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      eval_quantized<int8_t, int32_t, int32_t>(d, input.as<int8_t>(), filter.as<int8_t>(),
                                               bias.as<int32_t>(), output.as<int8_t>());
      break;
    default:
      if (kWithInt16)
        eval_quantized<int16_t, int64_t, int64_t>(d, input.as<int16_t>(), filter.as<int8_t>(),
                                                  bias.as<int64_t>(), output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_FULLY_CONNECTED = {
    static_cast<int32_t>(tflite::BuiltinOperator::FULLY_CONNECTED), 1, 12, prepare, eval, false};

}  // namespace tinyforge
