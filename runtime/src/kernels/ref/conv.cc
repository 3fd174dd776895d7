// CONV_2D: NHWC input, filter [out_channels, filter_h, filter_w, in_channels / groups], optional
// bias, SAME/VALID padding, strides, dilations, fused activation, grouped convolution when the
// input depth is a multiple of the filter depth. float32, int8 (per-tensor or per-channel int8
// filter, int32 bias) and int16 activations with int8 filter (int64 bias, or int32 bias / none with
// a 32-bit accumulator, as TFLite Micro does), with TFLite's requantization.
#include "kernels/conv_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using conv::ConvData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = conv::check_operand_count(ctx);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_Conv2DOptions();
  if (options == nullptr) return ctx.fail(Status::kMalformedModel, "missing Conv2DOptions");
  if (filter.rank != 4)
    return ctx.fail(Status::kMalformedModel, "filter must have rank 4 [out, h, w, in]");

  conv::Geometry g;
  s = conv::check_geometry(ctx, input, output, filter.dim(1), filter.dim(2), options->padding(),
                           options->stride_h(), options->stride_w(), options->dilation_h_factor(),
                           options->dilation_w_factor(), &g);
  if (s != Status::kOk) return s;
  const int32_t in_depth = input.dim(3), out_depth = filter.dim(0), filter_depth = filter.dim(3);
  if (output.dim(3) != out_depth)
    return ctx.fail(Status::kMalformedModel, "output depth does not match the filter's count");
  if (filter_depth < 1 || in_depth % filter_depth != 0)
    return ctx.fail(Status::kMalformedModel,
                    "input depth is not a multiple of the filter's input depth");
  if (filter_depth > 65536)
    return ctx.fail(Status::kUnsupported, "filter input depth above 65536 is not supported");
  const int32_t groups = in_depth / filter_depth;
  if (groups < 1 || out_depth % groups != 0)
    return ctx.fail(Status::kMalformedModel, "output depth is not a multiple of the group count");

  conv::AccumKind kind;
  conv::QuantParams q;
  s = conv::check_quantization(ctx, input, filter, bias, output, out_depth, 0, true,
                               options->fused_activation_function(), &kind, &q);
  if (s != Status::kOk) return s;

  auto* data = ctx.allocate_persistent<ConvData>();
  s = conv::allocate_multipliers(ctx, input, filter, output, out_depth, kind, &q);
  if (s != Status::kOk) return s;
  // Each output channel of a pixel is written right after its window is read.
  allow_window_in_place(ctx, conv::sliding_window(g), /*reads_first=*/false);
  if (ctx.sizing()) return Status::kOk;

  data->g = g;
  data->kind = kind;
  data->in_depth = in_depth;
  data->out_depth = out_depth;
  data->filter_depth = filter_depth;
  data->out_per_group = out_depth / groups;
  data->q = q;
  return Status::kOk;
}

void eval_float(const ConvData& d, const float* input, const float* filter, const float* bias,
                float* output) {
  const conv::Geometry& g = d.g;
  const int64_t filter_row = static_cast<int64_t>(g.filter_w) * d.filter_depth;
  const int64_t filter_size = filter_row * g.filter_h;
  conv::for_each_output(
      g, d.out_depth,
      [&](int32_t b, int32_t fy0, int32_t fy1, int32_t fx0, int32_t fx1, int32_t iy0, int32_t ix0,
          int64_t out_index) {
        const float* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
        for (int32_t oc = 0; oc < d.out_depth; ++oc) {
          const int32_t group = oc / d.out_per_group;
          const float* w_base = filter + oc * filter_size;
          float total = 0.0f;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            const int32_t iy = iy0 + fy * g.dilation_h;
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int32_t ix = ix0 + fx * g.dilation_w;
              const float* x = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth +
                               static_cast<int64_t>(group) * d.filter_depth;
              const float* w = w_base + fy * filter_row + static_cast<int64_t>(fx) * d.filter_depth;
              for (int32_t ic = 0; ic < d.filter_depth; ++ic) total += x[ic] * w[ic];
            }
          }
          const float bias_value = bias != nullptr ? bias[oc] : 0.0f;
          output[out_index + oc] = clampf(total + bias_value, d.q.act_min_f, d.q.act_max_f);
        }
      });
}

// int8 activations: acc = sum filter * (input - input_zero_point) in 32 bits (wrapping, as the
// reference kernel's int32 arithmetic does on every target), + bias, requantize, + zero point.
void eval_int8(const ConvData& d, const int8_t* input, const int8_t* filter, const int32_t* bias,
               int8_t* output) {
  const conv::Geometry& g = d.g;
  const int64_t filter_row = static_cast<int64_t>(g.filter_w) * d.filter_depth;
  const int64_t filter_size = filter_row * g.filter_h;
  const int32_t input_offset = d.q.input_offset;
  const ChannelMultipliers multipliers = d.multipliers();
  conv::for_each_output(
      g, d.out_depth,
      [&](int32_t b, int32_t fy0, int32_t fy1, int32_t fx0, int32_t fx1, int32_t iy0, int32_t ix0,
          int64_t out_index) {
        const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
        for (int32_t oc = 0; oc < d.out_depth; ++oc) {
          const int32_t group = oc / d.out_per_group;
          const int8_t* w_base = filter + oc * filter_size;
          uint32_t acc = 0;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            const int32_t iy = iy0 + fy * g.dilation_h;
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int32_t ix = ix0 + fx * g.dilation_w;
              const int8_t* x = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth +
                                static_cast<int64_t>(group) * d.filter_depth;
              const int8_t* w =
                  w_base + fy * filter_row + static_cast<int64_t>(fx) * d.filter_depth;
              int32_t partial = 0;  // |w * (x + offset)| <= 128 * 255, so 2^16 taps cannot overflow
              for (int32_t ic = 0; ic < d.filter_depth; ++ic) {
                partial +=
                    static_cast<int32_t>(w[ic]) * (static_cast<int32_t>(x[ic]) + input_offset);
              }
              acc += static_cast<uint32_t>(partial);
            }
          }
          if (bias != nullptr) acc += static_cast<uint32_t>(bias[oc]);
          int32_t value = conv::requantize32(acc, multipliers[oc]) + d.q.output_offset;
          output[out_index + oc] = static_cast<int8_t>(clamp32(value, d.q.act_min, d.q.act_max));
        }
      });
}

// int16 activations (zero point 0). Acc64: sum in int64 (+ int64 bias), 16-bit-multiplier
// requantization. Acc32: sum in int32 (+ int32 bias), the int32 requantization.
template <bool kAcc64, typename Bias>
void eval_int16(const ConvData& d, const int16_t* input, const int8_t* filter, const Bias* bias,
                int16_t* output) {
  const conv::Geometry& g = d.g;
  const int64_t filter_row = static_cast<int64_t>(g.filter_w) * d.filter_depth;
  const int64_t filter_size = filter_row * g.filter_h;
  const ChannelMultipliers multipliers = d.multipliers();
  conv::for_each_output(
      g, d.out_depth,
      [&](int32_t b, int32_t fy0, int32_t fy1, int32_t fx0, int32_t fx1, int32_t iy0, int32_t ix0,
          int64_t out_index) {
        const int16_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
        for (int32_t oc = 0; oc < d.out_depth; ++oc) {
          const int32_t group = oc / d.out_per_group;
          const int8_t* w_base = filter + oc * filter_size;
          uint64_t acc = 0;  // wrapping; the 32-bit form uses the low 32 bits
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            const int32_t iy = iy0 + fy * g.dilation_h;
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int32_t ix = ix0 + fx * g.dilation_w;
              const int16_t* x = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth +
                                 static_cast<int64_t>(group) * d.filter_depth;
              const int8_t* w =
                  w_base + fy * filter_row + static_cast<int64_t>(fx) * d.filter_depth;
              int64_t partial = 0;
              for (int32_t ic = 0; ic < d.filter_depth; ++ic) {
                partial += static_cast<int32_t>(w[ic]) * static_cast<int32_t>(x[ic]);
              }
              acc += static_cast<uint64_t>(partial);
            }
          }
          if (bias != nullptr)
            acc += static_cast<uint64_t>(static_cast<int64_t>(load_unaligned(bias, oc)));
          const QuantizedMultiplier m = multipliers[oc];
          const int32_t value = kAcc64 ? conv::requantize64(static_cast<int64_t>(acc), m)
                                       : conv::requantize32(static_cast<uint32_t>(acc), m);
          output[out_index + oc] = static_cast<int16_t>(clamp32(value, d.q.act_min, d.q.act_max));
        }
      });
}

Status eval(EvalContext& ctx) {
  const ConvData d = conv::in_band(*ctx.persistent<ConvData>(), ctx);
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  switch (d.kind) {
    case conv::AccumKind::kFloat:
      if (kWithFloat32)
        eval_float(d, input.as<float>(), filter.as<float>(), bias.as<float>(), output.as<float>());
      break;
    case conv::AccumKind::kInt8:
      eval_int8(d, input.as<int8_t>(), filter.as<int8_t>(), bias.as<int32_t>(),
                output.as<int8_t>());
      break;
    case conv::AccumKind::kInt16Acc32:
      if (kWithInt16)
        eval_int16<false>(d, input.as<int16_t>(), filter.as<int8_t>(), bias.as<int32_t>(),
                          output.as<int16_t>());
      break;
    case conv::AccumKind::kInt16Acc64:
      if (kWithInt16)
        eval_int16<true>(d, input.as<int16_t>(), filter.as<int8_t>(), bias.as<int64_t>(),
                         output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::CONV_2D), 1, 8, prepare, eval, false};

}  // namespace tinyforge
