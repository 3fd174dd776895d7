// DEPTHWISE_CONV_2D, int8, with the DSP extension: four output channels per pass over the taps of
// one output pixel, each tap's four filter bytes and four inputs sign-extended in pairs and
// multiplied into four accumulators with SMLABB/SMLATT. Two forms: depth multiplier 1 (output
// channel c reads input channel c) and depth multipliers that are multiples of four (four
// consecutive output channels read one input channel). Other multipliers, float and int16 go to
// the reference. Needs no scratch: the accumulators live in registers.
//
// Exactness: per channel the products w * (x + input_offset) are added from the bias with
// wrapping instructions; the reference adds the same products and the bias modulo 2^32.
#include "kernels/arm/fallback.h"
#include "kernels/arm/requantize.h"
#include "kernels/arm/simd.h"
#include "kernels/conv_common.h"
#include "kernels/kernel.h"

namespace tinyforge {

extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D;

namespace {

using conv::DepthwiseData;

Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, kKernel_DEPTHWISE_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1);
  const int32_t multiplier = filter.dim(3) / input.dim(3);
  const bool fast_path = input.type == DataType::kInt8 && (multiplier == 1 || multiplier % 4 == 0);
  if (fast_path) ctx.request_scratch(0);  // the reference's accumulator row is not needed
  if (header != nullptr) header->use_fast_path = fast_path;
  return Status::kOk;
}

// The window of one output pixel: the valid taps and where the first one reads.
struct Window {
  int32_t fy0, fy1, fx0, fx1;
  const int8_t* input;  // the input pixel of tap (fy0, fx0)
  int64_t input_row_step, input_tap_step;
  int64_t filter_row_step, filter_tap_step;
  int32_t first_tap;  // fy0 * filter_w + fx0
};

// Four output channels starting at c. kShared: they all read one input channel (multiplier a
// multiple of four), else channel c + j reads input channel c + j.
template <bool kShared>
__attribute__((noinline)) void four_channels(const Window& win, const int8_t* filter, int32_t c, int32_t input_channel,
                   int32_t input_offset, int32_t acc[4]) {
  const uint32_t offset2 = simd::both_halves(input_offset);
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t* x_row = win.input + input_channel;
  const int8_t* w_row = filter + win.first_tap * win.filter_tap_step + c;
  for (int32_t fy = win.fy0; fy < win.fy1; ++fy) {
    const int8_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t fx = win.fx0; fx < win.fx1; ++fx) {
      const uint32_t w4 = simd::load_word(w);
      const uint32_t w_even = simd::sxtb16(w4), w_odd = simd::sxtb16_odd(w4);
      if (kShared) {
        // One input value in the low halfword serves all four channels.
        const uint32_t xv = static_cast<uint32_t>(*x + input_offset);
        a0 = simd::smlabb(w_even, xv, a0);
        a2 = simd::smlatb(w_even, xv, a2);
        a1 = simd::smlabb(w_odd, xv, a1);
        a3 = simd::smlatb(w_odd, xv, a3);
      } else {
        const uint32_t x4 = simd::load_word(x);
        const uint32_t x_even = simd::sadd16(simd::sxtb16(x4), offset2);
        const uint32_t x_odd = simd::sadd16(simd::sxtb16_odd(x4), offset2);
        a0 = simd::smlabb(w_even, x_even, a0);
        a2 = simd::smlatt(w_even, x_even, a2);
        a1 = simd::smlabb(w_odd, x_odd, a1);
        a3 = simd::smlatt(w_odd, x_odd, a3);
      }
      x += win.input_tap_step;
      w += win.filter_tap_step;
    }
    x_row += win.input_row_step;
    w_row += win.filter_row_step;
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// One output channel (the last depth % 4), reading input channel `input_channel`.
int32_t one_channel(const Window& win, const int8_t* filter, int32_t c, int32_t input_channel,
                    int32_t input_offset, int32_t acc) {
  const int8_t* x_row = win.input + input_channel;
  const int8_t* w_row = filter + win.first_tap * win.filter_tap_step + c;
  for (int32_t fy = win.fy0; fy < win.fy1; ++fy) {
    const int8_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t fx = win.fx0; fx < win.fx1; ++fx) {
      acc = wrapping_add(acc, *w * (*x + input_offset));
      x += win.input_tap_step;
      w += win.filter_tap_step;
    }
    x_row += win.input_row_step;
    w_row += win.filter_row_step;
  }
  return acc;
}

template <bool kShared>
void eval_int8(const DepthwiseData& d, const int8_t* input, const int8_t* filter,
               const int32_t* bias, int8_t* output) {
  const conv::Geometry& g = d.g;
  const int32_t depth = d.out_depth, multiplier = d.depth_multiplier;
  const int32_t input_offset = d.q.input_offset;
  const fast::Int8Output out{d.q.output_offset, d.q.act_min, d.q.act_max};
  Window win;
  win.input_tap_step = static_cast<int64_t>(g.dilation_w) * d.in_depth;
  win.input_row_step = static_cast<int64_t>(g.dilation_h) * g.in_w * d.in_depth;
  win.filter_tap_step = depth;
  win.filter_row_step = static_cast<int64_t>(g.filter_w) * depth;
  int8_t* y = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      conv::valid_taps(iy0, g.in_h, g.filter_h, g.dilation_h, &win.fy0, &win.fy1);
      for (int32_t ox = 0; ox < g.out_w; ++ox, y += depth) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        conv::valid_taps(ix0, g.in_w, g.filter_w, g.dilation_w, &win.fx0, &win.fx1);
        const int32_t iy = iy0 + win.fy0 * g.dilation_h, ix = ix0 + win.fx0 * g.dilation_w;
        win.input = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth;
        win.first_tap = win.fy0 * g.filter_w + win.fx0;
        int32_t c = 0;
        for (; c + 4 <= depth; c += 4) {
          int32_t acc[4];
          for (int j = 0; j < 4; ++j) acc[j] = bias != nullptr ? bias[c + j] : 0;
          four_channels<kShared>(win, filter, c, kShared ? c / multiplier : c, input_offset, acc);
          for (int j = 0; j < 4; ++j)
            y[c + j] = fast::requantize_int8(acc[j], d.q.multipliers[c + j], out);
        }
        for (; c < depth; ++c) {
          const int32_t acc = one_channel(win, filter, c, c / multiplier, input_offset,
                                          bias != nullptr ? bias[c] : 0);
          y[c] = fast::requantize_int8(acc, d.q.multipliers[c], out);
        }
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, kKernel_DEPTHWISE_CONV_2D);
  const auto& d = *static_cast<const DepthwiseData*>(header->reference_state);
  const int8_t* input = ctx.input(0).as<int8_t>();
  const int8_t* filter = ctx.input(1).as<int8_t>();
  const int32_t* bias = ctx.input(2).as<int32_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  if (d.depth_multiplier == 1) {
    eval_int8<false>(d, input, filter, bias, output);
  } else {
    eval_int8<true>(d, input, filter, bias, output);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_DEPTHWISE_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 1, 7, prepare, eval, false};

}  // namespace tinyforge
