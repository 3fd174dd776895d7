// CONV_2D, int8 without groups, with the DSP extension's dual 16-bit multiply-accumulate.
//
// The patches of two output pixels are gathered (im2col) into the scratch buffer as int16 with the
// input offset already added (padding taps become 0, which is what skipping them gives), then a
// matrix kernel computes two output channels x two pixels per pass: each group of four filter
// bytes is sign-extended once into (bytes 0, 2) and (bytes 1, 3) halfword pairs and used for both
// pixels, so the gather stores each group of four inputs in the same order, (0, 2, 1, 3). For a
// 1x1 filter the gather is a plain conversion of the pixel's channels. Everything else (float,
// int16, grouped convolution) goes to the reference.
//
// Exactness: the reference sums w * (x + input_offset) per tap in int32 and wraps the total modulo
// 2^32; this kernel adds the same products from the bias in another order with wrapping
// instructions, so the accumulators are identical, and the requantization is TFLite's.
#include "kernels/arm/fallback.h"
#include "kernels/arm/requantize.h"
#include "kernels/arm/simd.h"
#include "kernels/conv_common.h"
#include "kernels/kernel.h"

namespace tinyforge {

extern const KernelRegistration kKernel_CONV_2D;

namespace {

using conv::ConvData;

// Int16 elements from one column to the next: an even count keeps both columns word-aligned
// (the scratch buffer is 8-byte aligned), as the matrix kernel's paired loads need.
int32_t column_stride(int32_t patch) { return (patch + 1) & ~1; }

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, kKernel_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1);
  // Patch sizes are bounded so the column offsets stay well inside int32.
  const int64_t patch64 = static_cast<int64_t>(filter.dim(1)) * filter.dim(2) * filter.dim(3);
  const bool fast_path = input.type == DataType::kInt8 && filter.dim(3) == input.dim(3) &&
                         patch64 < (int64_t{1} << 24);
  const int32_t patch = static_cast<int32_t>(patch64);
  // Two pixels' patches as int16.
  if (fast_path)
    ctx.request_scratch(2 * static_cast<size_t>(column_stride(patch)) * sizeof(int16_t));
  // The reference's in-place offer stands (no use_fast_path()): output pixels go in the same raster
  // order and both pixels' patches are gathered before either is written, which the reference's
  // per-pixel interleaved lead covers (kernels/in_place.h).
  if (header == nullptr || !fast_path) return Status::kOk;
  header->use_fast_path = true;
  const auto& d = *static_cast<const ConvData*>(header->reference_state);
  header->short_accumulators = fast::short_requantization_applies(
      filter, ctx.input(2), d.multipliers(), true, d.out_depth, patch, patch, 1, d.q.input_offset);
  return Status::kOk;
}

// Where patch element k goes: groups of four are stored as (0, 2, 1, 3); a last partial group
// keeps its order (the matrix kernel handles it element by element).
inline int32_t column_position(int32_t k, int32_t full) {
  return k < full ? (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1) : k;
}

// Writes the n contiguous inputs x (null: n padding taps) as patch elements k .. k + n - 1.
inline void gather_run(const int8_t* x, int32_t n, int32_t k, int32_t full, int32_t offset,
                       int16_t* column) {
  if (x != nullptr && ((k | n) & 3) == 0 && k + n <= full) {
    const uint32_t offset2 = simd::both_halves(offset);
    int16_t* out = column + k;
    for (int32_t c = 0; c < n; c += 4) {
      const uint32_t x4 = simd::load_word(x + c);
      simd::store_word(out + c, simd::sxtab16(offset2, x4));
      simd::store_word(out + c + 2, simd::sxtab16_odd(offset2, x4));
    }
    return;
  }
  for (int32_t c = 0; c < n; ++c) {
    column[column_position(k + c, full)] = static_cast<int16_t>(x != nullptr ? x[c] + offset : 0);
  }
}

// Gathers the patch of the output pixel whose window starts at (iy0, ix0). A filter row that lies
// inside the image with undilated columns is one contiguous run of the input.
void gather_patch(const ConvData& d, const int8_t* image, int32_t iy0, int32_t ix0,
                  int16_t* column) {
  const conv::Geometry& g = d.g;
  const int32_t depth = d.in_depth;
  const int32_t offset = d.q.input_offset;
  const int32_t row_length = g.filter_w * depth;
  const int32_t full = (g.filter_h * row_length) & ~3;
  const bool columns_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.filter_w <= g.in_w;
  for (int32_t fy = 0, k = 0; fy < g.filter_h; ++fy) {
    const int32_t iy = iy0 + fy * g.dilation_h;
    const bool row_inside = iy >= 0 && iy < g.in_h;
    const int8_t* row = image + (static_cast<int64_t>(iy) * g.in_w + ix0) * depth;
    if (row_inside && columns_inside) {
      gather_run(row, row_length, k, full, offset, column);
      k += row_length;
      continue;
    }
    for (int32_t fx = 0; fx < g.filter_w; ++fx, k += depth) {
      const int32_t ix = ix0 + fx * g.dilation_w;
      const bool inside = row_inside && ix >= 0 && ix < g.in_w;
      gather_run(inside ? row + fx * g.dilation_w * depth : nullptr, depth, k, full, offset,
                 column);
    }
  }
}

// Two filter rows (channels) against two columns (pixels): acc[channel][pixel], starting from the
// bias.
void dot_2x2(const int8_t* w0, const int8_t* w1, const int16_t* x0, const int16_t* x1,
             int32_t patch, int32_t acc[2][2]) {
  int32_t a00 = acc[0][0], a01 = acc[0][1], a10 = acc[1][0], a11 = acc[1][1];
  const int16_t* const x0_end = x0 + (patch & ~3);
  while (x0 != x0_end) {
    const uint32_t wa = simd::load_word(w0), wb = simd::load_word(w1);
    w0 += 4;
    w1 += 4;
    const uint32_t wa_even = simd::sxtb16(wa), wa_odd = simd::sxtb16_odd(wa);
    const uint32_t wb_even = simd::sxtb16(wb), wb_odd = simd::sxtb16_odd(wb);
    uint32_t even, odd;
    simd::load_two_words_advance(x0, &even, &odd);
    a00 = simd::smlad(wa_odd, odd, simd::smlad(wa_even, even, a00));
    a10 = simd::smlad(wb_odd, odd, simd::smlad(wb_even, even, a10));
    simd::load_two_words_advance(x1, &even, &odd);
    a01 = simd::smlad(wa_odd, odd, simd::smlad(wa_even, even, a01));
    a11 = simd::smlad(wb_odd, odd, simd::smlad(wb_even, even, a11));
  }
  for (int32_t k = 0; k < (patch & 3); ++k) {
    a00 = wrapping_add(a00, w0[k] * x0[k]);
    a01 = wrapping_add(a01, w0[k] * x1[k]);
    a10 = wrapping_add(a10, w1[k] * x0[k]);
    a11 = wrapping_add(a11, w1[k] * x1[k]);
  }
  acc[0][0] = a00;
  acc[0][1] = a01;
  acc[1][0] = a10;
  acc[1][1] = a11;
}

// Every output channel of two pixels (out1 null: only one pixel, column x1 is a copy).
void pixel_pair(const ConvData& d, bool short_accumulators, const int8_t* filter,
                const int32_t* bias, const int16_t* x0, const int16_t* x1, int8_t* out0,
                int8_t* out1) {
  const int32_t patch = d.g.filter_h * d.g.filter_w * d.in_depth;
  // Locals, not fields of d: the int8 stores below could alias d.
  const fast::Int8Output out{d.q.output_offset, d.q.act_min, d.q.act_max, short_accumulators};
  const ChannelMultipliers multipliers = d.multipliers();
  const int32_t out_depth = d.out_depth;
  for (int32_t oc = 0; oc < out_depth; oc += 2) {
    // An odd last channel runs as a pair with itself.
    const int32_t oc1 = oc + 1 < out_depth ? oc + 1 : oc;
    int32_t acc[2][2];
    acc[0][0] = acc[0][1] = bias != nullptr ? bias[oc] : 0;
    acc[1][0] = acc[1][1] = bias != nullptr ? bias[oc1] : 0;
    dot_2x2(filter + static_cast<int64_t>(oc) * patch, filter + static_cast<int64_t>(oc1) * patch,
            x0, x1, patch, acc);
    const QuantizedMultiplier m0 = multipliers[oc], m1 = multipliers[oc1];
    out0[oc] = fast::requantize_int8(acc[0][0], m0, out);
    if (out1 != nullptr) out1[oc] = fast::requantize_int8(acc[0][1], m0, out);
    if (oc1 == oc) break;
    out0[oc1] = fast::requantize_int8(acc[1][0], m1, out);
    if (out1 != nullptr) out1[oc1] = fast::requantize_int8(acc[1][1], m1, out);
  }
}

void eval_int8(const ConvData& d, bool short_accumulators, const int8_t* input,
               const int8_t* filter, const int32_t* bias, int8_t* output, int16_t* scratch) {
  const conv::Geometry& g = d.g;
  const int32_t patch = g.filter_h * g.filter_w * d.in_depth;
  int16_t* columns[2] = {scratch, scratch + column_stride(patch)};
  int8_t* pending_out = nullptr;  // the pixel whose column waits in columns[0]
  int8_t* out = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * d.in_depth;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      for (int32_t ox = 0; ox < g.out_w; ++ox, out += d.out_depth) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        if (pending_out == nullptr) {
          gather_patch(d, image, iy0, ix0, columns[0]);
          pending_out = out;
        } else {
          gather_patch(d, image, iy0, ix0, columns[1]);
          pixel_pair(d, short_accumulators, filter, bias, columns[0], columns[1], pending_out, out);
          pending_out = nullptr;
        }
      }
    }
  }
  if (pending_out != nullptr)
    pixel_pair(d, short_accumulators, filter, bias, columns[0], columns[0], pending_out, nullptr);
}

Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, kKernel_CONV_2D);
  const ConvData d = conv::in_band(*static_cast<const ConvData*>(header->reference_state), ctx);
  eval_int8(d, header->short_accumulators, ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(),
            ctx.input(2).as<int32_t>(), ctx.output(0).as<int8_t>(),
            static_cast<int16_t*>(ctx.scratch()));
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::CONV_2D), 1, 8, prepare, eval, false};

}  // namespace tinyforge
