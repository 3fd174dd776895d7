// DEPTHWISE_CONV_2D, int8, depth multiplier 1, with MVE: 16 channels of one output pixel per pass
// over its filter taps, as four vectors of four int32 lanes (inputs and weights widened by the
// loads, multiplied and added lane by lane), the last group of channels tail-predicated (VCTP). An
// output pixel whose window lies inside the image starts from the corrected biases computed in
// prepare and multiplies the raw inputs; one on the border starts from the bias and adds the input
// offset to each input, since its skipped taps have no offset to fold. Other multipliers, float,
// int16 and non-constant weights go to the reference kernel.
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

constexpr int32_t kChannels = 16;  // per pass: four vectors of four int32 lanes

Status prepare(PrepareContext& ctx) {
  mve::MveHeader* header;
  const Status s = mve::prepare_with_reference(ctx, kKernel_DEPTHWISE_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  if (input.type != DataType::kInt8 || filter.dim(3) != input.dim(3) || filter.zero_point() != 0 ||
      !mve::constant_weights(filter, bias))
    return Status::kOk;
  ctx.request_scratch(0);  // the reference's accumulator row is not needed
  const int32_t depth = filter.dim(3);
  mve::allocate_corrected_bias(ctx, header, bias, filter, depth, filter.dim(1) * filter.dim(2), 1,
                               depth, -input.zero_point());
  if (header != nullptr) header->fallback.use_fast_path = true;
  return Status::kOk;
}

// The valid taps of one output pixel and where they read.
struct Window {
  int32_t fy0, fy1, fx0, fx1;
  const int8_t* input;   // channel 0 of the input pixel under tap (fy0, fx0)
  const int8_t* filter;  // channel 0 of tap (fy0, fx0)
  int64_t input_row_step, input_tap_step;
  int64_t filter_row_step, filter_tap_step;
};

// Four int8 values widened to int32 lanes; kTail: only the lanes `p` selects (the others 0).
template <bool kTail>
int32x4_t load4(const int8_t* p, mve_pred16_t pred) {
  return kTail ? vldrbq_z_s32(p, pred) : vldrbq_s32(p);
}

// Channels c .. c + 15 (kTail: only the first `left` of them exist) of one output pixel.
// kAddOffset: the border form (start from the bias, add the offset to the inputs).
template <bool kTail, bool kAddOffset>
void sixteen_channels(const Window& win, const int32_t* start, int32_t input_offset, int32_t left,
                      const mve::Requantizer& rq, int32_t c, int8_t* y) {
  mve_pred16_t p[4];
  for (int j = 0; j < 4; ++j)
    p[j] = vctp32q(left > 4 * j ? static_cast<uint32_t>(left - 4 * j) : 0u);
  const int32x4_t zero = vdupq_n_s32(0);
  int32x4_t a0 = start != nullptr ? vldrwq_z_s32(start + c, p[0]) : zero;
  int32x4_t a1 = start != nullptr ? vldrwq_z_s32(start + c + 4, p[1]) : zero;
  int32x4_t a2 = start != nullptr ? vldrwq_z_s32(start + c + 8, p[2]) : zero;
  int32x4_t a3 = start != nullptr ? vldrwq_z_s32(start + c + 12, p[3]) : zero;
  const int8_t* x_row = win.input + c;
  const int8_t* w_row = win.filter + c;
  for (int32_t fy = win.fy0; fy < win.fy1; ++fy) {
    const int8_t* x = x_row;
    const int8_t* w = w_row;
    for (int32_t fx = win.fx0; fx < win.fx1; ++fx) {
      int32x4_t x0 = load4<kTail>(x, p[0]), x1 = load4<kTail>(x + 4, p[1]);
      int32x4_t x2 = load4<kTail>(x + 8, p[2]), x3 = load4<kTail>(x + 12, p[3]);
      if (kAddOffset) {
        x0 = vaddq_n_s32(x0, input_offset);
        x1 = vaddq_n_s32(x1, input_offset);
        x2 = vaddq_n_s32(x2, input_offset);
        x3 = vaddq_n_s32(x3, input_offset);
      }
      a0 = vaddq_s32(a0, vmulq_s32(x0, load4<kTail>(w, p[0])));
      a1 = vaddq_s32(a1, vmulq_s32(x1, load4<kTail>(w + 4, p[1])));
      a2 = vaddq_s32(a2, vmulq_s32(x2, load4<kTail>(w + 8, p[2])));
      a3 = vaddq_s32(a3, vmulq_s32(x3, load4<kTail>(w + 12, p[3])));
      x += win.input_tap_step;
      w += win.filter_tap_step;
    }
    x_row += win.input_row_step;
    w_row += win.filter_row_step;
  }
  rq.store(a0, c, y + c, p[0]);
  if (left > 4) rq.store(a1, c + 4, y + c + 4, p[1]);
  if (left > 8) rq.store(a2, c + 8, y + c + 8, p[2]);
  if (left > 12) rq.store(a3, c + 12, y + c + 12, p[3]);
}

// Every channel of one output pixel.
template <bool kAddOffset>
void pixel(const Window& win, const int32_t* start, int32_t input_offset, int32_t depth,
           const mve::Requantizer& rq, int8_t* y) {
  int32_t c = 0;
  for (; c + kChannels <= depth; c += kChannels)
    sixteen_channels<false, kAddOffset>(win, start, input_offset, kChannels, rq, c, y);
  if (c < depth) sixteen_channels<true, kAddOffset>(win, start, input_offset, depth - c, rq, c, y);
}

void eval_int8(const DepthwiseData& d, const int32_t* corrected_bias, const int8_t* input,
               const int8_t* filter, const int32_t* bias, int8_t* output) {
  const conv::Geometry& g = d.g;
  const int32_t depth = d.out_depth;
  const mve::Requantizer rq(d.q.multipliers, true,
                            fast::Int8Output{d.q.output_offset, d.q.act_min, d.q.act_max});
  Window win;
  win.input_tap_step = static_cast<int64_t>(g.dilation_w) * depth;
  win.input_row_step = static_cast<int64_t>(g.dilation_h) * g.in_w * depth;
  win.filter_tap_step = depth;
  win.filter_row_step = static_cast<int64_t>(g.filter_w) * depth;
  int8_t* y = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * depth;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      conv::valid_taps(iy0, g.in_h, g.filter_h, g.dilation_h, &win.fy0, &win.fy1);
      for (int32_t ox = 0; ox < g.out_w; ++ox, y += depth) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        conv::valid_taps(ix0, g.in_w, g.filter_w, g.dilation_w, &win.fx0, &win.fx1);
        const int32_t iy = iy0 + win.fy0 * g.dilation_h, ix = ix0 + win.fx0 * g.dilation_w;
        win.input = image + (static_cast<int64_t>(iy) * g.in_w + ix) * depth;
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
  eval_int8(mve::reference_state<DepthwiseData>(header), header.corrected_bias,
            ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(), ctx.input(2).as<int32_t>(),
            ctx.output(0).as<int8_t>());
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kMveKernel_DEPTHWISE_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 1, 7, prepare, eval, false};

}  // namespace tinyforge
