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

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, kKernel_DEPTHWISE_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1);
  const int32_t multiplier = filter.dim(3) / input.dim(3);
  // The pixel loop steps through the input in 32-bit byte offsets.
  const auto* options = ctx.op().builtin_options_as_DepthwiseConv2DOptions();
  const int64_t row_step =
      static_cast<int64_t>(options->dilation_h_factor()) * input.dim(2) * input.dim(3);
  const bool fast_path = input.type == DataType::kInt8 &&
                         (multiplier == 1 || multiplier % 4 == 0) && row_step < (int64_t{1} << 30);
  if (!fast_path) return Status::kOk;
  ctx.request_scratch(0);  // the reference's accumulator row is not needed
  fast::use_fast_path(ctx, header);
  if (header != nullptr) {
    const auto& d = *static_cast<const DepthwiseData*>(header->reference_state);
    header->short_accumulators = fast::short_requantization_applies(
        filter, ctx.input(2), d.multipliers(), true, d.out_depth, filter.dim(1) * filter.dim(2), 1,
        d.out_depth, d.q.input_offset);
  }
  // Four channels are read and written at a time, so a pixel's reads and writes interleave.
  SlidingWindow window;
  if (conv::prepared_window(ctx, *options, &window) == Status::kOk)
    allow_window_in_place(ctx, window, /*reads_first=*/false);
  return Status::kOk;
}

// One output pixel's window: the valid taps and where the first one reads. Steps are in bytes.
struct Window {
  int32_t rows, columns;  // valid taps
  const int8_t* input;    // input pixel of the first valid tap
  const int8_t* filter;   // filter entry of the first valid tap
  int32_t input_row_step, input_tap_step;
  int32_t filter_row_step, filter_tap_step;
};

// What every pixel of one operator shares.
struct Params {
  const int32_t* bias;
  ChannelMultipliers multipliers;
  int32_t depth, multiplier, input_offset;
  fast::Int8Output out;
};

// Adds one tap to the accumulators of four channels. kShared: the four channels read one input
// value (depth multiplier a multiple of four); else four consecutive input channels.
template <bool kShared>
inline void tap(const int8_t* x, const int8_t* w, uint32_t offset2, int32_t input_offset,
                int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3) {
  const uint32_t w4 = simd::load_word(w);
  const uint32_t w_even = simd::sxtb16(w4), w_odd = simd::sxtb16_odd(w4);
  if (kShared) {
    // The input value in the low halfword serves all four channels.
    const uint32_t xv = static_cast<uint32_t>(*x + input_offset);
    a0 = simd::smlabb(w_even, xv, a0);
    a2 = simd::smlatb(w_even, xv, a2);
    a1 = simd::smlabb(w_odd, xv, a1);
    a3 = simd::smlatb(w_odd, xv, a3);
  } else {
    const uint32_t x4 = simd::load_word(x);
    const uint32_t x_even = simd::sxtab16(offset2, x4);
    const uint32_t x_odd = simd::sxtab16_odd(offset2, x4);
    a0 = simd::smlabb(w_even, x_even, a0);
    a2 = simd::smlatt(w_even, x_even, a2);
    a1 = simd::smlabb(w_odd, x_odd, a1);
    a3 = simd::smlatt(w_odd, x_odd, a3);
  }
}

// The nine taps of a 3x3 filter for four channels, as tap<false> nine times, where input and filter
// taps are both `tap_step` bytes apart (depth multiplier 1, no dilation) and filter rows 3 taps. On
// the DSP extension in hand-scheduled Thumb-2: in GCC's own schedule the steps live on the stack
// and are reloaded in every row (~47 instructions a row against 32 here).
inline void taps_3x3(const int8_t* x, const int8_t* w, int32_t tap_step, int32_t x_row,
                     uint32_t offset2, int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3) {
#if defined(__ARM_FEATURE_DSP)
  // Per tap: t1 = filter word, t2 = input word; t0/t1 = filter bytes 0,2 / 1,3 and t2/t3 = input
  // bytes 0,2 / 1,3 (input offset added) as halfword pairs; SMLABB/SMLATT add channels c, c + 2
  // (from t0, t2) and c + 1, c + 3 (from t1, t3).
#define TINYFORGE_DW_TAP(W_ADDRESS, X_ADDRESS) \
  "ldr %[t1], " W_ADDRESS                      \
  "\n\t"                                       \
  "ldr %[t2], " X_ADDRESS                      \
  "\n\t"                                       \
  "sxtb16 %[t0], %[t1]\n\t"                    \
  "sxtb16 %[t1], %[t1], ror #8\n\t"            \
  "sxtab16 %[t3], %[off], %[t2], ror #8\n\t"   \
  "sxtab16 %[t2], %[off], %[t2]\n\t"           \
  "smlabb %[a0], %[t0], %[t2], %[a0]\n\t"      \
  "smlatt %[a2], %[t0], %[t2], %[a2]\n\t"      \
  "smlabb %[a1], %[t1], %[t3], %[a1]\n\t"      \
  "smlatt %[a3], %[t1], %[t3], %[a3]\n\t"
#define TINYFORGE_DW_ROW                                 \
  TINYFORGE_DW_TAP("[%[w]]", "[%[x]]")                   \
  TINYFORGE_DW_TAP("[%[w], %[step]]", "[%[x], %[step]]") \
  TINYFORGE_DW_TAP("[%[w], %[step], lsl #1]", "[%[x], %[step], lsl #1]")
#define TINYFORGE_DW_NEXT_ROW           \
  "add %[w], %[w], %[step], lsl #1\n\t" \
  "add %[w], %[w], %[step]\n\t"         \
  "ldr %[t0], %[xr]\n\t"                \
  "add %[x], %[x], %[t0]\n\t"
  uint32_t t0, t1, t2, t3;
  __asm__(
      TINYFORGE_DW_ROW TINYFORGE_DW_NEXT_ROW TINYFORGE_DW_ROW TINYFORGE_DW_NEXT_ROW TINYFORGE_DW_ROW
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [x] "+r"(x), [w] "+r"(w),
        [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3)
      : [step] "r"(tap_step), [off] "r"(offset2), [xr] "m"(x_row)
      : "memory");
#undef TINYFORGE_DW_NEXT_ROW
#undef TINYFORGE_DW_ROW
#undef TINYFORGE_DW_TAP
#else
  for (int32_t r = 0; r < 3; ++r, x += x_row, w += 3 * tap_step) {
    for (int32_t t = 0; t < 3; ++t)
      tap<false>(x + t * tap_step, w + t * tap_step, offset2, 0, a0, a1, a2, a3);
  }
#endif
}

// Every output channel of one pixel. kColumns3: each row of the window has exactly three taps
// (3-wide filters away from the left and right borders), unrolled. k3x3: moreover a 3x3 filter of
// depth multiplier 1 without horizontal dilation, all nine taps inside (taps_3x3).
template <bool kShared, bool kColumns3, bool k3x3>
__attribute__((noinline)) void pixel(const Window& window, const Params& p, int8_t* y) {
  static_assert(!k3x3 || (!kShared && kColumns3), "taps_3x3 reads one input channel per output");
  // Locals, not fields of window and p: the int8 stores below could alias them.
  const Window win = window;
  const int32_t* const bias = p.bias;
  const ChannelMultipliers multipliers = p.multipliers;
  const fast::Int8Output out = p.out;
  const int32_t input_offset = p.input_offset;
  const uint32_t offset2 = simd::both_halves(input_offset);
  const int32_t depth = p.depth;
  int32_t c = 0;
  for (; c + 4 <= depth; c += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (bias != nullptr) {
      a0 = bias[c];
      a1 = bias[c + 1];
      a2 = bias[c + 2];
      a3 = bias[c + 3];
    }
    const int8_t* x_row = win.input + (kShared ? c / p.multiplier : c);
    const int8_t* w_row = win.filter + c;
    if (k3x3) {
      taps_3x3(x_row, w_row, win.input_tap_step, win.input_row_step, offset2, a0, a1, a2, a3);
      y[c] = fast::requantize_int8(a0, multipliers[c], out);
      y[c + 1] = fast::requantize_int8(a1, multipliers[c + 1], out);
      y[c + 2] = fast::requantize_int8(a2, multipliers[c + 2], out);
      y[c + 3] = fast::requantize_int8(a3, multipliers[c + 3], out);
      continue;
    }
    for (int32_t r = 0; r < win.rows; ++r) {
      const int8_t* x = x_row;
      const int8_t* w = w_row;
      if (kColumns3) {
        tap<kShared>(x, w, offset2, input_offset, a0, a1, a2, a3);
        tap<kShared>(x + win.input_tap_step, w + win.filter_tap_step, offset2, input_offset, a0, a1,
                     a2, a3);
        tap<kShared>(x + 2 * win.input_tap_step, w + 2 * win.filter_tap_step, offset2, input_offset,
                     a0, a1, a2, a3);
      } else {
        for (int32_t t = 0; t < win.columns; ++t) {
          tap<kShared>(x, w, offset2, input_offset, a0, a1, a2, a3);
          x += win.input_tap_step;
          w += win.filter_tap_step;
        }
      }
      x_row += win.input_row_step;
      w_row += win.filter_row_step;
    }
    y[c] = fast::requantize_int8(a0, multipliers[c], out);
    y[c + 1] = fast::requantize_int8(a1, multipliers[c + 1], out);
    y[c + 2] = fast::requantize_int8(a2, multipliers[c + 2], out);
    y[c + 3] = fast::requantize_int8(a3, multipliers[c + 3], out);
  }
  // The last depth % 4 channels (depth multiplier 1 only), one at a time.
  for (; c < depth; ++c) {
    int32_t acc = bias != nullptr ? bias[c] : 0;
    const int8_t* x_row = win.input + c;
    const int8_t* w_row = win.filter + c;
    for (int32_t r = 0; r < win.rows; ++r) {
      for (int32_t t = 0; t < win.columns; ++t) {
        acc = wrapping_add(
            acc, w_row[t * win.filter_tap_step] * (x_row[t * win.input_tap_step] + input_offset));
      }
      x_row += win.input_row_step;
      w_row += win.filter_row_step;
    }
    y[c] = fast::requantize_int8(acc, multipliers[c], out);
  }
}

template <bool kShared>
void eval_int8(const DepthwiseData& d, bool short_accumulators, const int8_t* input,
               const int8_t* filter, const int32_t* bias, int8_t* output) {
  const conv::Geometry& g = d.g;
  const Params p{bias,
                 d.multipliers(),
                 d.out_depth,
                 d.depth_multiplier,
                 d.q.input_offset,
                 {d.q.output_offset, d.q.act_min, d.q.act_max, short_accumulators}};
  Window win;
  win.input_tap_step = g.dilation_w * d.in_depth;
  win.input_row_step = g.dilation_h * g.in_w * d.in_depth;
  win.filter_tap_step = d.out_depth;
  win.filter_row_step = g.filter_w * d.out_depth;
  // taps_3x3's case: a 3x3 filter, no horizontal dilation, input taps as far apart as filter taps.
  const bool full_3x3 = g.filter_h == 3 && g.filter_w == 3 && g.dilation_w == 1 &&
                        win.input_tap_step == win.filter_tap_step;
  conv::for_each_output(
      g, d.out_depth,
      [&](int32_t b, int32_t fy0, int32_t fy1, int32_t fx0, int32_t fx1, int32_t iy0, int32_t ix0,
          int64_t out_index) {
        const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
        win.rows = fy1 - fy0;
        win.columns = fx1 - fx0;
        const int32_t iy = iy0 + fy0 * g.dilation_h, ix = ix0 + fx0 * g.dilation_w;
        win.input = image + (static_cast<int64_t>(iy) * g.in_w + ix) * d.in_depth;
        win.filter = filter + (static_cast<int64_t>(fy0) * g.filter_w + fx0) * d.out_depth;
        if constexpr (!kShared) {
          if (full_3x3 && win.columns == 3 && win.rows == 3) {
            pixel<false, true, true>(win, p, output + out_index);
            return;
          }
        }
        if (win.columns == 3) {
          pixel<kShared, true, false>(win, p, output + out_index);
        } else {
          pixel<kShared, false, false>(win, p, output + out_index);
        }
      });
}

Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, kKernel_DEPTHWISE_CONV_2D);
  const DepthwiseData d =
      conv::in_band(*static_cast<const DepthwiseData*>(header->reference_state), ctx);
  const int8_t* input = ctx.input(0).as<int8_t>();
  const int8_t* filter = ctx.input(1).as<int8_t>();
  const int32_t* bias = ctx.input(2).as<int32_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  if (d.depth_multiplier == 1) {
    eval_int8<false>(d, header->short_accumulators, input, filter, bias, output);
  } else {
    eval_int8<true>(d, header->short_accumulators, input, filter, bias, output);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_DEPTHWISE_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 1, 7, prepare, eval, false};

}  // namespace tinyforge
