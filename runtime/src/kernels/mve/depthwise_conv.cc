// DEPTHWISE_CONV_2D, int8, with MVE: 16 (or 8) channels of one output pixel per pass over its
// filter taps, as two (or one) vectors of eight int16 lanes (inputs and weights widened by the
// loads), multiplied into int32 lanes by VMULLB/VMULLT and accumulated in four vectors, the last
// group of channels tail-predicated (VCTP). With a depth multiplier above 1 the inputs are
// gathered: output channel c reads input channel c / multiplier, from a table made in prepare. An
// output pixel whose window lies inside the image starts from the corrected biases computed in
// prepare and multiplies the raw inputs; one on the border starts from the bias and adds the input
// offset to each input, since its skipped taps have no offset to fold. Float, int16 and
// non-constant weights go to the reference kernel.
//
// Exactness: per channel both forms add the reference's products w * (x + input_offset) (or their
// sum, regrouped) to the bias modulo 2^32, and the requantization is TFLite's.
#include "kernels/conv_common.h"
#include "kernels/kernel.h"
#include "kernels/mve/requantize.h"
#include "kernels/mve/state.h"
#include "kernels/mve/vector.h"

namespace tinyforge {

extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D;

namespace {

using conv::DepthwiseData;

// The tap loop is a function of its own, so its accumulators are the only long-lived vectors.
// GCC's pre-allocation scheduling hoists the loads of the loop body ahead of the multiplies and
// then runs out of the eight vector registers (spills in every iteration); without it the body
// needs seven.
#if defined(__ARM_FEATURE_MVE) && defined(__GNUC__) && !defined(__clang__)
#define TINYFORGE_MVE_TAP_LOOP [[gnu::noinline, gnu::optimize("no-schedule-insns")]]
#else
#define TINYFORGE_MVE_TAP_LOOP [[gnu::noinline]]
#endif

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  mve::MveHeader* header;
  const Status s = mve::prepare_with_reference(ctx, kKernel_DEPTHWISE_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  const int32_t depth = filter.dim(3), in_depth = input.dim(3);
  if (input.type != DataType::kInt8 || filter.zero_point() != 0 || in_depth > 0xFFFF ||
      !mve::constant_weights(filter, bias))
    return Status::kOk;
  ctx.request_scratch(0);  // the reference's accumulator row is not needed
  if (depth != in_depth) {
    uint16_t* input_channel = ctx.allocate_persistent<uint16_t>(static_cast<size_t>(depth));
    const int32_t multiplier = depth / in_depth;
    for (int32_t c = 0; input_channel != nullptr && c < depth; ++c)
      input_channel[c] = static_cast<uint16_t>(c / multiplier);
    if (header != nullptr) header->input_channel = input_channel;
  }
  mve::allocate_corrected_bias(ctx, header, bias, filter, depth, filter.dim(1) * filter.dim(2), 1,
                               depth, -input.zero_point());
  mve::use_fast_path(ctx, header);
  // A pixel's channel groups are each read and written in turn.
  SlidingWindow window;
  if (conv::prepared_window(ctx, *ctx.op().builtin_options_as_DepthwiseConv2DOptions(), &window) ==
      Status::kOk)
    allow_window_in_place(ctx, window, /*reads_first=*/false);
  return Status::kOk;
}

// The valid taps of one output pixel and where they read.
struct Window {
  int32_t fy0, fy1, fx0, fx1;
  const int8_t* input;            // channel 0 of the input pixel under tap (fy0, fx0)
  const int8_t* filter;           // channel 0 of tap (fy0, fx0)
  const uint16_t* input_channel;  // per output channel, with a depth multiplier above 1
  int64_t input_row_step, input_tap_step;
  int64_t filter_row_step, filter_tap_step;
};

// Eight int8 values widened to int16 lanes; kTail: only the lanes `pred` selects (the others 0).
template <bool kTail>
int16x8_t load8(const int8_t* p, mve_pred16_t pred) {
  return kTail ? vldrbq_z_s16(p, pred) : vldrbq_s16(p);
}

// x[channel[i]] for eight lanes, widened to int16; kTail: only the lanes `pred` selects.
template <bool kTail>
int16x8_t gather8(const int8_t* x, uint16x8_t channel, mve_pred16_t pred) {
  return kTail ? vldrbq_gather_offset_z_s16(x, channel, pred)
               : vldrbq_gather_offset_s16(x, channel);
}

// Lanes 0, 2, 4, 6 of start[0 ..] (zeros without a start).
template <bool kTail>
int32x4_t every_other(const int32_t* start, mve_pred16_t pred) {
  if (start == nullptr) return vdupq_n_s32(0);
  return kTail ? vldrwq_gather_shifted_offset_z_s32(start, vidupq_n_u32(0, 2), pred)
               : vldrwq_gather_shifted_offset_s32(start, vidupq_n_u32(0, 2));
}

// The taps' products for channels c .. c + 8 * kHalves - 1, as halves of eight int16 lanes whose
// even and odd lanes VMULLB and VMULLT multiply into separate int32 accumulators: acc[0] / acc[1]
// hold channels c + 0, 2, 4, 6 / c + 1, 3, 5, 7, acc[2] / acc[3] the same from c + 8. kTail (one
// half only): p0 selects the existing channels. kAddOffset: add the input offset to the inputs
// (the sum fits in int16). kGather: the inputs come through win.input_channel. Not inlined: on
// its own the loop keeps the accumulators in registers.
template <int kHalves, bool kTail, bool kAddOffset, bool kGather>
TINYFORGE_MVE_TAP_LOOP void accumulate_taps(const Window& win, int32_t c, int16_t offset,
                                            mve_pred16_t p0, int32x4_t acc[4]) {
  static_assert(kHalves == 1 || kHalves == 2, "eight or sixteen channels");
  static_assert(!kTail || kHalves == 1, "only a last group of fewer than eight is partial");
  int32x4_t e0 = acc[0], o0 = acc[1], e1 = acc[2], o1 = acc[3];
  uint16x8_t in0, in1;  // kGather: the input channels of the two halves
  if (kGather) {
    in0 = kTail ? vldrhq_z_u16(win.input_channel + c, p0) : vldrhq_u16(win.input_channel + c);
    if (kHalves == 2) in1 = vldrhq_u16(win.input_channel + c + 8);
  }
  const int8_t* x_row = kGather ? win.input : win.input + c;
  const int8_t* w_row = win.filter + c;
  for (int32_t fy = win.fy0; fy < win.fy1; ++fy) {
    const int8_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t fx = win.fx0; fx < win.fx1; ++fx) {
      int16x8_t xv = kGather ? gather8<kTail>(x, in0, p0) : load8<kTail>(x, p0);
      if (kAddOffset) xv = vaddq_n_s16(xv, offset);
      int16x8_t wv = load8<kTail>(w, p0);
      e0 = vaddq_s32(e0, vmullbq_int_s16(xv, wv));
      o0 = vaddq_s32(o0, vmulltq_int_s16(xv, wv));
      if (kHalves == 2) {
        xv = kGather ? gather8<false>(x, in1, p0) : load8<false>(x + 8, p0);
        if (kAddOffset) xv = vaddq_n_s16(xv, offset);
        wv = load8<false>(w + 8, p0);
        e1 = vaddq_s32(e1, vmullbq_int_s16(xv, wv));
        o1 = vaddq_s32(o1, vmulltq_int_s16(xv, wv));
      }
      x += win.input_tap_step;
      w += win.filter_tap_step;
    }
    x_row += win.input_row_step;
    w_row += win.filter_row_step;
  }
  acc[0] = e0;
  acc[1] = o0;
  acc[2] = e1;
  acc[3] = o1;
}

// Channels c .. c + 8 * kHalves - 1 (kTail: only the first `left` of them, fewer than eight) of
// one output pixel, started from `start` (the corrected biases, or the biases in the border form
// kAddOffset).
template <int kHalves, bool kTail, bool kAddOffset>
void channel_group(const Window& win, const int32_t* start, int32_t input_offset, int32_t left,
                   const mve::Requantizer& rq, int32_t c, int8_t* y) {
  const mve_pred16_t even = vctp32q(static_cast<uint32_t>((left + 1) / 2));
  const mve_pred16_t odd = vctp32q(static_cast<uint32_t>(left / 2));
  const int32_t* s = start != nullptr ? start + c : nullptr;
  int32x4_t acc[4] = {every_other<kTail>(s, even), every_other<kTail>(s ? s + 1 : s, odd),
                      vdupq_n_s32(0), vdupq_n_s32(0)};
  if (kHalves == 2) {
    acc[2] = every_other<false>(s ? s + 8 : s, even);
    acc[3] = every_other<false>(s ? s + 9 : s, odd);
  }
  const mve_pred16_t p0 = vctp16q(static_cast<uint32_t>(left));
  const int16_t offset = static_cast<int16_t>(input_offset);
  if (win.input_channel != nullptr) {
    accumulate_taps<kHalves, kTail, kAddOffset, true>(win, c, offset, p0, acc);
  } else {
    accumulate_taps<kHalves, kTail, kAddOffset, false>(win, c, offset, p0, acc);
  }
  rq.store<2, kTail>(acc[0], c, y + c, even);
  rq.store<2, kTail>(acc[1], c + 1, y + c + 1, odd);
  if (kHalves == 1) return;
  rq.store<2, false>(acc[2], c + 8, y + c + 8, even);
  rq.store<2, false>(acc[3], c + 9, y + c + 9, odd);
}

// Every channel of one output pixel: groups of sixteen, then of eight, then the rest.
template <bool kAddOffset>
void pixel(const Window& win, const int32_t* start, int32_t input_offset, int32_t depth,
           const mve::Requantizer& rq, int8_t* y) {
  int32_t c = 0;
  for (; c + 16 <= depth; c += 16)
    channel_group<2, false, kAddOffset>(win, start, input_offset, 16, rq, c, y);
  if (c + 8 <= depth) {
    channel_group<1, false, kAddOffset>(win, start, input_offset, 8, rq, c, y);
    c += 8;
  }
  if (c < depth) channel_group<1, true, kAddOffset>(win, start, input_offset, depth - c, rq, c, y);
}

void eval_int8(const DepthwiseData& d, const mve::MveHeader& header, const int8_t* input,
               const int8_t* filter, const int32_t* bias, int8_t* output) {
  const conv::Geometry& g = d.g;
  const int32_t depth = d.out_depth, in_depth = d.in_depth;
  const int32_t* corrected_bias = header.corrected_bias;
  const mve::Requantizer rq(d.multipliers(), true,
                            fast::Int8Output{d.q.output_offset, d.q.act_min, d.q.act_max});
  Window win;
  win.input_channel = header.input_channel;
  win.input_tap_step = static_cast<int64_t>(g.dilation_w) * in_depth;
  win.input_row_step = static_cast<int64_t>(g.dilation_h) * g.in_w * in_depth;
  win.filter_tap_step = depth;
  win.filter_row_step = static_cast<int64_t>(g.filter_w) * depth;
  int8_t* y = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * in_depth;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      conv::valid_taps(iy0, g.in_h, g.filter_h, g.dilation_h, &win.fy0, &win.fy1);
      for (int32_t ox = 0; ox < g.out_w; ++ox, y += depth) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        conv::valid_taps(ix0, g.in_w, g.filter_w, g.dilation_w, &win.fx0, &win.fx1);
        const int32_t iy = iy0 + win.fy0 * g.dilation_h, ix = ix0 + win.fx0 * g.dilation_w;
        win.input = image + (static_cast<int64_t>(iy) * g.in_w + ix) * in_depth;
        win.filter = filter + (static_cast<int64_t>(win.fy0) * g.filter_w + win.fx0) * depth;
        const bool inside =
            win.fy0 == 0 && win.fy1 == g.filter_h && win.fx0 == 0 && win.fx1 == g.filter_w;
        if (inside) {
          pixel<false>(win, corrected_bias, 0, depth, rq, y);
        } else {
          pixel<true>(win, bias, d.q.input_offset, depth, rq, y);
        }
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto& header = *ctx.persistent<mve::MveHeader>();
  if (!header.fallback.use_fast_path) return fast::eval_reference(ctx, kKernel_DEPTHWISE_CONV_2D);
  eval_int8(conv::in_band(mve::reference_state<DepthwiseData>(header), ctx), header,
            ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(), ctx.input(2).as<int32_t>(),
            ctx.output(0).as<int8_t>());
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kMveKernel_DEPTHWISE_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 1, 7, prepare, eval, false};

}  // namespace tinyforge
