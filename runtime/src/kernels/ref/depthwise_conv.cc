// DEPTHWISE_CONV_2D: NHWC input, filter [1, filter_h, filter_w, in_channels * depth_multiplier],
// optional bias; output channel c = i * depth_multiplier + m reads input channel i. The depth
// multiplier is derived from the shapes (the option, when set, must agree). SAME/VALID padding,
// strides, dilations, fused activation. float32, int8 (per-tensor or per-channel int8 filter, int32
// bias) and int16 activations with int8 filter and int64 bias, with TFLite's requantization.
//
// Each output position accumulates all channels at once in the scratch buffer, one filter tap at a
// time, so the inner loops run over contiguous channels. Per channel, taps are still summed in
// TFLite's order (filter rows, then columns), so float results match it bit for bit.
#include "kernels/conv_common.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

using conv::DepthwiseData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = conv::check_operand_count(ctx);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_DepthwiseConv2DOptions();
  if (options == nullptr)
    return ctx.fail(Status::kMalformedModel, "missing DepthwiseConv2DOptions");
  if (filter.rank != 4 || filter.dim(0) != 1)
    return ctx.fail(Status::kMalformedModel, "filter must have shape [1, h, w, channels]");

  conv::Geometry g;
  s = conv::check_geometry(ctx, input, output, filter.dim(1), filter.dim(2), options->padding(),
                           options->stride_h(), options->stride_w(), options->dilation_h_factor(),
                           options->dilation_w_factor(), &g);
  if (s != Status::kOk) return s;
  const int32_t in_depth = input.dim(3), out_depth = filter.dim(3);
  if (output.dim(3) != out_depth)
    return ctx.fail(Status::kMalformedModel, "output depth does not match the filter's channels");
  if (in_depth < 1 || out_depth % in_depth != 0)
    return ctx.fail(Status::kMalformedModel,
                    "filter channels are not a multiple of the input depth");
  const int32_t depth_multiplier = out_depth / in_depth;
  if (options->depth_multiplier() != 0 && options->depth_multiplier() != depth_multiplier) {
    s = ctx.fail(Status::kMalformedModel, "depth_multiplier option ");
    ctx.message().add(options->depth_multiplier()).add(" disagrees with the shapes (");
    ctx.message().add(out_depth).add(" filter channels / ").add(in_depth).add(" input channels)");
    return s;
  }

  conv::AccumKind kind;
  conv::QuantParams q;
  s = conv::check_quantization(ctx, input, filter, bias, output, out_depth, 3, false,
                               options->fused_activation_function(), &kind, &q);
  if (s != Status::kOk) return s;

  // One accumulator per output channel.
  const size_t acc_bytes = kind == conv::AccumKind::kInt16Acc64 ? 8 : 4;
  ctx.request_scratch(static_cast<size_t>(out_depth) * acc_bytes);
  auto* data = ctx.allocate_persistent<DepthwiseData>();
  s = conv::allocate_multipliers(ctx, input, filter, output, out_depth, kind, &q);
  if (s != Status::kOk) return s;
  // A pixel's accumulators are complete before any of its channels is written.
  allow_window_in_place(ctx, conv::sliding_window(g), /*reads_first=*/true);
  if (ctx.sizing()) return Status::kOk;

  data->g = g;
  data->kind = kind;
  data->in_depth = in_depth;
  data->out_depth = out_depth;
  data->depth_multiplier = depth_multiplier;
  data->q = q;
  return Status::kOk;
}

// Runs the accumulation for every output position. Acc is the accumulator element type (float,
// uint32_t or uint64_t: the integer ones wrap), `term(w, x)` is one tap's contribution and
// `finish(acc, channel, out)` writes one output value.
template <typename In, typename W, typename Acc, typename Term, typename Finish>
void run(const DepthwiseData& d, const In* input, const W* filter, Acc* acc, Term term,
         Finish finish, In* output) {
  const conv::Geometry& g = d.g;
  const int32_t depth = d.out_depth, multiplier = d.depth_multiplier;
  conv::for_each_output(
      g, depth,
      [&](int32_t b, int32_t fy0, int32_t fy1, int32_t fx0, int32_t fx1, int32_t iy0, int32_t ix0,
          int64_t out_index) {
        const In* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
        for (int32_t c = 0; c < depth; ++c) acc[c] = Acc(0);
        for (int32_t fy = fy0; fy < fy1; ++fy) {
          const int32_t iy = iy0 + fy * g.dilation_h;
          for (int32_t fx = fx0; fx < fx1; ++fx) {
            const int32_t ix = ix0 + fx * g.dilation_w;
            const In* x = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth;
            const int64_t tap = (static_cast<int64_t>(fy) * g.filter_w + fx) * depth;
            const W* w = filter + tap;
            if (multiplier == 1) {
              for (int32_t c = 0; c < depth; ++c) acc[c] += term(w[c], x[c]);
            } else {
              for (int32_t i = 0, c = 0; i < d.in_depth; ++i)
                for (int32_t m = 0; m < multiplier; ++m, ++c) acc[c] += term(w[c], x[i]);
            }
          }
        }
        In* out = output + out_index;
        for (int32_t c = 0; c < depth; ++c) out[c] = finish(acc[c], c);
      });
}

Status eval(EvalContext& ctx) {
  const DepthwiseData d = conv::in_band(*ctx.persistent<DepthwiseData>(), ctx);
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const TensorView output = ctx.output(0);
  const conv::QuantParams& q = d.q;
  const ChannelMultipliers multipliers = d.multipliers();
  switch (d.kind) {
    case conv::AccumKind::kFloat: {
      if (!kWithFloat32) break;
      const float* b = bias.as<float>();
      run<float, float, float>(
          d, input.as<float>(), filter.as<float>(), static_cast<float*>(ctx.scratch()),
          [](float w, float x) { return x * w; },
          [&](float total, int32_t c) {
            return clampf(total + (b != nullptr ? b[c] : 0.0f), q.act_min_f, q.act_max_f);
          },
          output.as<float>());
      break;
    }
    case conv::AccumKind::kInt8: {
      const int32_t* b = bias.as<int32_t>();
      const int32_t input_offset = q.input_offset;
      run<int8_t, int8_t, uint32_t>(
          d, input.as<int8_t>(), filter.as<int8_t>(), static_cast<uint32_t*>(ctx.scratch()),
          [input_offset](int8_t w, int8_t x) {
            return static_cast<uint32_t>(static_cast<int32_t>(w) *
                                         (static_cast<int32_t>(x) + input_offset));
          },
          [&](uint32_t acc, int32_t c) {
            if (b != nullptr) acc += static_cast<uint32_t>(b[c]);
            const int32_t value = conv::requantize32(acc, multipliers[c]) + q.output_offset;
            return static_cast<int8_t>(clamp32(value, q.act_min, q.act_max));
          },
          output.as<int8_t>());
      break;
    }
    default: {  // int16 activations, int64 accumulator
      if (!kWithInt16) break;
      const int64_t* b = bias.as<int64_t>();
      run<int16_t, int8_t, uint64_t>(
          d, input.as<int16_t>(), filter.as<int8_t>(), static_cast<uint64_t*>(ctx.scratch()),
          [](int8_t w, int16_t x) {
            return static_cast<uint64_t>(
                static_cast<int64_t>(static_cast<int32_t>(w) * static_cast<int32_t>(x)));
          },
          [&](uint64_t acc, int32_t c) {
            if (b != nullptr) acc += static_cast<uint64_t>(load_unaligned(b, c));
            const int32_t value = conv::requantize64(static_cast<int64_t>(acc), multipliers[c]);
            return static_cast<int16_t>(clamp32(value, q.act_min, q.act_max));
          },
          output.as<int16_t>());
      break;
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 1, 7, prepare, eval, false};

}  // namespace tinyforge
