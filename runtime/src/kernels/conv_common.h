// Shared pieces of the convolution family (CONV_2D, DEPTHWISE_CONV_2D): TFLite's output-size and
// padding arithmetic, checks of the spatial geometry, per-channel requantization parameters, and
// the accumulator requantization used by the quantized paths.
#ifndef TINYFORGE_KERNELS_CONV_COMMON_H_
#define TINYFORGE_KERNELS_CONV_COMMON_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/in_place.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace conv {

// Output extent along one axis (TFLite's ComputeOutSize). SAME: ceil(in / stride);
// VALID: (in + stride - effective_filter) / stride, truncated toward zero.
inline int64_t output_size(tflite::Padding padding, int64_t in, int64_t filter, int64_t stride,
                           int64_t dilation) {
  const int64_t effective = (filter - 1) * dilation + 1;
  if (padding == tflite::Padding::SAME) return (in + stride - 1) / stride;
  return (in + stride - effective) / stride;
}

// Padding before the first element along one axis (TFLite's ComputePaddingWithOffset): half of
// the total padding, rounded down; the odd remainder (`offset`) goes after the last element, which
// reference convolutions get for free by skipping taps outside the image.
inline int64_t padding_before(int64_t in, int64_t filter, int64_t out, int64_t stride,
                              int64_t dilation, int64_t* offset) {
  const int64_t effective = (filter - 1) * dilation + 1;
  int64_t total = (out - 1) * stride + effective - in;
  if (total < 0) total = 0;
  if (offset != nullptr) *offset = total % 2;
  return total / 2;
}

// The spatial arrangement of one convolution, NHWC.
struct Geometry {
  int32_t batches;
  int32_t in_h, in_w;
  int32_t filter_h, filter_w;
  int32_t out_h, out_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;
};

// The geometry of the band of rows `band` (null: the whole image) describes, batch 1.
inline Geometry in_band(const Geometry& g, const RowBand* band) {
  if (band == nullptr) return g;
  Geometry banded = g;
  banded.in_h = band->in_rows;
  banded.out_h = band->out_rows;
  banded.pad_h = band->pad_top;
  return banded;
}

// A kernel's state with its geometry narrowed to the context's band (a copy; kernels keep their
// state read-only, so one node can run several bands).
template <typename Data>
Data in_band(const Data& d, const EvalContext& ctx) {
  Data banded = d;
  banded.g = in_band(d.g, ctx.band());
  return banded;
}

// The output-order facts in-place planning needs (dilation only spreads a window further on).
inline SlidingWindow sliding_window(const Geometry& g) {
  return SlidingWindow{g.batches,  g.in_h,     g.in_w,  g.out_h, g.out_w,
                       g.stride_h, g.stride_w, g.pad_h, g.pad_w};
}

// The window of a CONV_2D or DEPTHWISE_CONV_2D node (`options` its options) whose reference
// prepare() has succeeded: for a fast kernel's in-place offer, made while sizing, when the
// reference state is not yet written.
template <typename Options>
[[gnu::cold]] Status prepared_window(PrepareContext& ctx, const Options& options,
                                     SlidingWindow* window);

// Checks ranks, strides/dilations and that the output's spatial shape is what the padding scheme
// produces, then fills `g`. `filter_h`/`filter_w` come from the caller (filter layouts differ).
inline Status check_geometry(PrepareContext& ctx, const TensorView& input, const TensorView& output,
                             int32_t filter_h, int32_t filter_w, tflite::Padding padding,
                             int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                             int32_t dilation_w, Geometry* g) {
  if (input.rank != 4 || output.rank != 4)
    return ctx.fail(Status::kMalformedModel, "input and output must have rank 4 (NHWC)");
  if (padding != tflite::Padding::SAME && padding != tflite::Padding::VALID)
    return ctx.fail(Status::kMalformedModel, "padding must be SAME or VALID");
  if (stride_h < 1 || stride_w < 1)
    return ctx.fail(Status::kMalformedModel, "strides must be at least 1");
  if (dilation_h < 1 || dilation_w < 1)
    return ctx.fail(Status::kMalformedModel, "dilation factors must be at least 1");
  if (filter_h < 1 || filter_w < 1)
    return ctx.fail(Status::kMalformedModel, "filter height and width must be at least 1");
  if (input.dim(0) != output.dim(0))
    return ctx.fail(Status::kMalformedModel, "input and output batch sizes differ");
  constexpr int64_t kLimit = int64_t{1} << 28;  // keeps every index computation inside int32
  const int64_t in_h = input.dim(1), in_w = input.dim(2);
  if (static_cast<int64_t>(stride_h) * (in_h + 1) >= kLimit ||
      static_cast<int64_t>(stride_w) * (in_w + 1) >= kLimit ||
      static_cast<int64_t>(dilation_h) * filter_h >= kLimit ||
      static_cast<int64_t>(dilation_w) * filter_w >= kLimit || in_h >= kLimit || in_w >= kLimit)
    return ctx.fail(Status::kUnsupported, "strides, dilations or sizes are too large");
  const int64_t out_h = output_size(padding, in_h, filter_h, stride_h, dilation_h);
  const int64_t out_w = output_size(padding, in_w, filter_w, stride_w, dilation_w);
  if (out_h < 0 || out_w < 0 || output.dim(1) != out_h || output.dim(2) != out_w) {
    Status s = ctx.fail(Status::kMalformedModel, "output height/width ");
    ctx.message().add(output.dim(1)).add("x").add(output.dim(2));
    ctx.message().add(" do not match what the padding, strides and dilations give: ");
    ctx.message().add(static_cast<int32_t>(out_h)).add("x").add(static_cast<int32_t>(out_w));
    return s;
  }
  g->batches = input.dim(0);
  g->in_h = input.dim(1);
  g->in_w = input.dim(2);
  g->filter_h = filter_h;
  g->filter_w = filter_w;
  g->out_h = output.dim(1);
  g->out_w = output.dim(2);
  g->stride_h = stride_h;
  g->stride_w = stride_w;
  g->dilation_h = dilation_h;
  g->dilation_w = dilation_w;
  g->pad_h =
      static_cast<int32_t>(padding_before(in_h, filter_h, out_h, stride_h, dilation_h, nullptr));
  g->pad_w =
      static_cast<int32_t>(padding_before(in_w, filter_w, out_w, stride_w, dilation_w, nullptr));
  return Status::kOk;
}

template <typename Options>
[[gnu::cold]] Status prepared_window(PrepareContext& ctx, const Options& options,
                                     SlidingWindow* window) {
  const TensorView filter = ctx.input(1);
  Geometry g{};
  const Status s = check_geometry(ctx, ctx.input(0), ctx.output(0), filter.dim(1), filter.dim(2),
                                  options.padding(), options.stride_h(), options.stride_w(),
                                  options.dilation_h_factor(), options.dilation_w_factor(), &g);
  if (s == Status::kOk) *window = sliding_window(g);
  return s;
}

// Which accumulator and requantization a quantized convolution uses (as TFLite Micro picks them).
enum class AccumKind : int32_t {
  kFloat,       // float32 throughout
  kInt8,        // int8 activations, int32 accumulator (+ int32 bias)
  kInt16Acc32,  // int16 activations, int32 accumulator (int32 bias or none)
  kInt16Acc64,  // int16 activations, int64 accumulator (int64 bias, or none in depthwise)
};

// Quantization parameters shared by the quantized paths.
struct QuantParams {
  int32_t input_offset;   // -input zero point (int8 only)
  int32_t output_offset;  // output zero point (int8 only)
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
  int32_t* multiplier_block;  // ChannelMultipliers of every output channel (see ConvData)
};

// The persistent state of the reference CONV_2D (its first allocation), which the fast kernels
// read too.
struct ConvData {
  Geometry g;
  AccumKind kind;
  int32_t in_depth;
  int32_t out_depth;
  int32_t filter_depth;  // input channels per group
  int32_t out_per_group;
  QuantParams q;
  // One pointer is kept, the view made where it is used: four bytes less per node.
  ChannelMultipliers multipliers() const {
    return ChannelMultipliers::in(q.multiplier_block, out_depth);
  }
};

// The same for DEPTHWISE_CONV_2D.
struct DepthwiseData {
  Geometry g;
  AccumKind kind;
  int32_t in_depth;
  int32_t out_depth;
  int32_t depth_multiplier;
  QuantParams q;
  ChannelMultipliers multipliers() const {
    return ChannelMultipliers::in(q.multiplier_block, out_depth);
  }
};

// Validates dtypes and quantization of (input, filter, bias, output) for a convolution with
// `channels` output channels whose filter is quantized along `quant_dim`, and picks the
// accumulator. `int32_bias_for_int16` says whether 16x8 may take an int32 bias (CONV_2D).
inline Status check_types(PrepareContext& ctx, const TensorView& input, const TensorView& filter,
                          const TensorView& bias, const TensorView& output, int32_t channels,
                          int quant_dim, bool int32_bias_for_int16, AccumKind* kind) {
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype differs from input dtype");
  if (bias.present() && (bias.rank < 1 || bias.elements() != channels))
    return ctx.fail(Status::kMalformedModel, "bias size does not match the output channels");
  if (input.type == DataType::kFloat32) {
    if (filter.type == DataType::kInt8 || filter.type == DataType::kUInt8)
      return ctx.fail(Status::kUnsupported,
                      "hybrid models are not supported: float input with int8 filter");
    if (filter.type != DataType::kFloat32 || (bias.present() && bias.type != DataType::kFloat32))
      return ctx.fail(Status::kUnsupported, "float32 input needs float32 filter and bias");
    *kind = AccumKind::kFloat;
    return Status::kOk;
  }
  const bool is_int8 = input.type == DataType::kInt8;
  const bool is_int16 = input.type == DataType::kInt16;
  if (!is_int8 && !is_int16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  if (filter.type != DataType::kInt8)
    return ctx.fail(Status::kUnsupported, "quantized convolution needs an int8 filter");
  if (is_int8) {
    if (bias.present() && bias.type != DataType::kInt32)
      return ctx.fail(Status::kUnsupported, "int8 convolution needs an int32 bias");
    *kind = AccumKind::kInt8;
  } else if (!bias.present()) {
    *kind = int32_bias_for_int16 ? AccumKind::kInt16Acc32 : AccumKind::kInt16Acc64;
  } else if (bias.type == DataType::kInt64) {
    *kind = AccumKind::kInt16Acc64;
  } else if (bias.type == DataType::kInt32 && int32_bias_for_int16) {
    *kind = AccumKind::kInt16Acc32;
  } else {
    return ctx.fail(Status::kUnsupported, int32_bias_for_int16
                                              ? "int16 convolution needs an int64 or int32 bias"
                                              : "int16 depthwise convolution needs an int64 bias");
  }
  if (!input.is_quantized() || !filter.is_quantized() || !output.is_quantized())
    return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
  if (filter.num_scales != 1 && filter.num_scales != channels)
    return ctx.fail(Status::kMalformedModel, "filter needs one scale or one per output channel");
  if (filter.num_scales > 1 && filter.quantized_dimension != quant_dim)
    return ctx.fail(Status::kMalformedModel, "filter is quantized along the wrong dimension");
  for (int c = 0; c < filter.num_zero_points; ++c) {
    if (filter.zero_point(c) != 0)
      return ctx.fail(Status::kUnsupported, "filter zero points must be 0 (symmetric)");
  }
  int32_t lo, hi;
  dtype_range(input.type, &lo, &hi);
  const int32_t in_zp = input.zero_point(), out_zp = output.zero_point();
  if (is_int16 && (in_zp != 0 || out_zp != 0))
    return ctx.fail(Status::kUnsupported, "int16 activations must have zero point 0");
  if (in_zp < lo || in_zp > hi || out_zp < lo || out_zp > hi)
    return ctx.fail(Status::kMalformedModel, "zero point outside the dtype's range");
  const float in_scale = input.scale(), out_scale = output.scale();
  // Scales must be positive and finite; the activation clamp divides 6 by the output scale.
  if (!(in_scale > 0.0f && in_scale < 1e30f) || !(out_scale > 1e-30f && out_scale < 1e30f) ||
      !(6.0f / out_scale < 1e9f))
    return ctx.fail(Status::kMalformedModel, "input/output scales must be positive and sane");
  for (int c = 0; c < filter.num_scales; ++c) {
    const float s = filter.scale(c);
    if (!(s >= 0.0f && s < 1e30f))
      return ctx.fail(Status::kMalformedModel, "filter scales must be non-negative and finite");
  }
  return Status::kOk;
}

// The per-channel multipliers (input_scale * filter_scale[c] / output_scale, computed in double as
// TFLite does), checked so the requantization helpers cannot overflow a shift.
inline Status compute_multipliers(PrepareContext& ctx, const TensorView& input,
                                  const TensorView& filter, const TensorView& output,
                                  int32_t channels, AccumKind kind, ChannelMultipliers* out) {
  for (int32_t c = 0; c < channels; ++c) {
    const double real = static_cast<double>(input.scale()) *
                        static_cast<double>(filter.scale(filter.num_scales == 1 ? 0 : c)) /
                        static_cast<double>(output.scale());
    const QuantizedMultiplier m = quantize_multiplier(real);
    const int max_shift = kind == AccumKind::kInt16Acc64 ? 14 : 30;
    if (m.shift > max_shift)
      return ctx.fail(Status::kUnsupported, "effective output multiplier is too large");
    if (out != nullptr && !out->empty()) out->set(c, m);
  }
  return Status::kOk;
}

// Inputs (input, filter[, bias]) and one output.
inline Status check_operand_count(PrepareContext& ctx) {
  if ((ctx.num_inputs() != 2 && ctx.num_inputs() != 3) || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (input, filter[, bias]) and one output");
  return Status::kOk;
}

// check_types, then the clamp of the fused `activation` and the zero-point offsets: all of `q`
// but the multipliers (see allocate_multipliers).
inline Status check_quantization(PrepareContext& ctx, const TensorView& input,
                                 const TensorView& filter, const TensorView& bias,
                                 const TensorView& output, int32_t channels, int quant_dim,
                                 bool int32_bias_for_int16,
                                 tflite::ActivationFunctionType activation, AccumKind* kind,
                                 QuantParams* q) {
  const Status s = check_types(ctx, input, filter, bias, output, channels, quant_dim,
                               int32_bias_for_int16, kind);
  if (s != Status::kOk) return s;
  const bool is_float = *kind == AccumKind::kFloat;
  q->act_min = 0;
  q->act_max = 0;
  q->act_min_f = 0;
  q->act_max_f = 0;
  const bool fusable =
      is_float ? float_activation_range(activation, &q->act_min_f, &q->act_max_f)
               : quantized_activation_range(activation, output, &q->act_min, &q->act_max);
  if (!fusable) return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  q->input_offset = is_float ? 0 : -input.zero_point();
  q->output_offset = is_float ? 0 : output.zero_point();
  q->multiplier_block = nullptr;
  return Status::kOk;
}

// Allocates one persistent multiplier per output channel (none for float) and computes them
// into q->multiplier_block.
inline Status allocate_multipliers(PrepareContext& ctx, const TensorView& input,
                                   const TensorView& filter, const TensorView& output,
                                   int32_t channels, AccumKind kind, QuantParams* q) {
  const bool is_float = kind == AccumKind::kFloat;
  const int32_t count = is_float ? 0 : channels;
  q->multiplier_block =
      static_cast<int32_t*>(ctx.allocate_persistent(ChannelMultipliers::bytes(count)));
  if (is_float) return Status::kOk;
  ChannelMultipliers multipliers = ChannelMultipliers::in(q->multiplier_block, count);
  return compute_multipliers(ctx, input, filter, output, channels, kind, &multipliers);
}

// int32 accumulator -> output value before the zero point (TFLite's MultiplyByQuantizedMultiplier).
inline int32_t requantize32(uint32_t wrapped_acc, const QuantizedMultiplier& m) {
  return multiply_by_quantized_multiplier(static_cast<int32_t>(wrapped_acc), m.multiplier, m.shift);
}

// int64 accumulator form (16x8 with int64 bias): the multiplier reduced to 16 bits, one rounding
// shift. Computed with wrapping arithmetic so out-of-range accumulators cannot invoke UB.
inline int32_t requantize64(int64_t acc, const QuantizedMultiplier& m) {
  const int32_t reduced = m.multiplier < 0x7FFF0000 ? ((m.multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - m.shift;  // 1..46 (shift checked in prepare)
  const uint64_t product = static_cast<uint64_t>(acc) * static_cast<uint64_t>(int64_t{reduced}) +
                           (uint64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(static_cast<int64_t>(product) >> total_shift);
}

// The first and one-past-last filter taps along an axis that land inside [0, size) for an
// window starting at `origin` (possibly negative) with the given dilation.
inline void valid_taps(int32_t origin, int32_t size, int32_t filter, int32_t dilation,
                       int32_t* first, int32_t* last) {
  int32_t f0 = 0;
  if (origin < 0) f0 = (-origin + dilation - 1) / dilation;
  int32_t f1 = filter;
  const int32_t room = size - origin;  // taps with origin + dilation * f < size
  if (room <= 0) {
    f1 = 0;
  } else {
    const int32_t n = (room + dilation - 1) / dilation;
    if (n < f1) f1 = n;
  }
  *first = f0;
  *last = f1 > f0 ? f1 : f0;
}

// Calls visit(batch, fy0, fy1, fx0, fx1, in_y0, in_x0, out_index) for every output position, with
// the range of filter taps that fall inside the image.
template <typename Visit>
void for_each_output(const conv::Geometry& g, int32_t out_depth, Visit visit) {
  int64_t out_index = 0;
  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      int32_t fy0, fy1;
      conv::valid_taps(iy0, g.in_h, g.filter_h, g.dilation_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        int32_t fx0, fx1;
        conv::valid_taps(ix0, g.in_w, g.filter_w, g.dilation_w, &fx0, &fx1);
        visit(b, fy0, fy1, fx0, fx1, iy0, ix0, out_index);
        out_index += out_depth;
      }
    }
  }
}

}  // namespace conv
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_CONV_COMMON_H_
