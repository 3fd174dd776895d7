// CONV_2D, int8 without groups, with MVE. Each output pixel's patch is a vector of
// filter_h * filter_w * in_depth int8 values: for a 1x1 filter the input pixel's channels as they
// are, otherwise gathered (im2col, a few pixels of an output row at a time) into the scratch
// buffer with padding taps set to the input zero point. Four output channels at a time are dot
// products of that vector with their filter rows, 16 lanes per VMLADAVA (mve/dot.h), started from
// the corrected biases computed in prepare. Everything else (float, int16, grouped convolution,
// non-constant weights) goes to the reference.
//
// Exactness: a padding tap holding the zero point contributes (zero_point + input_offset) * w = 0,
// as the reference's skipped tap; the remaining sum x * w added to bias + input_offset * sum w is
// the reference's accumulator modulo 2^32, and the requantization is TFLite's.
#include "kernels/conv_common.h"
#include "kernels/kernel.h"
#include "kernels/mve/dot.h"
#include "kernels/mve/requantize.h"
#include "kernels/mve/state.h"
#include "kernels/mve/vector.h"

namespace tinyforge {

extern const KernelRegistration kKernel_CONV_2D;

namespace {

using conv::ConvData;

bool is_pointwise(const conv::Geometry& g) { return g.filter_h == 1 && g.filter_w == 1; }

// A 1x1 filter with stride 1 reads the image as one run of pixels.
bool is_contiguous_pointwise(const conv::Geometry& g) {
  return is_pointwise(g) && g.stride_h == 1 && g.stride_w == 1;
}

// Pixels per pass of a contiguous pointwise convolution whose output overlaps its input: the
// channel groups go round each run of pixels, so only a run's input must outlive its writes.
// Otherwise the whole image is one run (the group set-up is shared by the most pixels).
constexpr int32_t kInPlaceRun = 32;

// How many output pixels' patches the scratch buffer holds: several, so the channel groups'
// set-up is shared by them, within a small budget of scratch bytes.
int32_t patches_per_pass(int32_t patch) {
  constexpr int32_t kMaxPixels = 8, kBudget = 2048;
  const int32_t n = kBudget / patch;
  return n < 1 ? 1 : (n > kMaxPixels ? kMaxPixels : n);
}

// The in-place offer for eval_int8's loop order: every channel group of a run of pixels before the
// next run (reads and writes interleave within it), the gathered patches read before any write.
void offer_in_place(PrepareContext& ctx, int32_t patch) {
  SlidingWindow w;
  if (conv::prepared_window(ctx, *ctx.op().builtin_options_as_Conv2DOptions(), &w) != Status::kOk)
    return;
  const bool pointwise = ctx.input(1).dim(1) == 1 && ctx.input(1).dim(2) == 1;
  if (!pointwise) {
    allow_window_in_place(ctx, w, /*reads_first=*/true, patches_per_pass(patch));
    return;
  }
  if (w.stride_h != 1 || w.stride_w != 1) {
    allow_window_in_place(ctx, w, /*reads_first=*/false, w.out_w);  // a row per run
    return;
  }
  // One row of pixels per image, as eval_int8 sees it.
  w.in_w = w.out_w = w.in_h * w.in_w;
  w.in_h = w.out_h = 1;
  allow_window_in_place(ctx, w, /*reads_first=*/false, kInPlaceRun);
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  mve::MveHeader* header;
  const Status s = mve::prepare_with_reference(ctx, kKernel_CONV_2D, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  if (input.type != DataType::kInt8 || filter.dim(3) != input.dim(3) || filter.zero_point() != 0 ||
      !mve::constant_weights(filter, bias))
    return Status::kOk;
  const int32_t patch = filter.dim(1) * filter.dim(2) * filter.dim(3);
  const bool pointwise = filter.dim(1) == 1 && filter.dim(2) == 1;
  ctx.request_scratch(pointwise ? 0 : static_cast<size_t>(patches_per_pass(patch)) * patch);
  mve::allocate_corrected_bias(ctx, header, bias, filter, filter.dim(0), patch, patch, 1,
                               -input.zero_point());
  mve::use_fast_path(ctx, header);
  offer_in_place(ctx, patch);
  return Status::kOk;
}

// Bytes [k, k + 16) of one row of a patch (those below n), from the input row under the window
// (`window`: where the window's first byte would be, possibly left of the input row). Only bytes
// [lo, hi) lie inside the input and are read (predicated loads touch no other byte); the others
// are padding.
inline void patch_chunk(int8_t* dst, const int8_t* window, int32_t k, int32_t n, int32_t lo,
                        int32_t hi, int8x16_t padding) {
  const uint32_t from = lo > k ? static_cast<uint32_t>(lo - k) : 0u;
  const uint32_t to = hi > k ? static_cast<uint32_t>(hi - k) : 0u;
  const mve_pred16_t inside = static_cast<mve_pred16_t>(vctp8q(to) & ~vctp8q(from));
  const int8x16_t bytes = vpselq_s8(vldrbq_z_s8(window + k, inside), padding, inside);
  vstrbq_p_s8(dst + k, bytes, vctp8q(static_cast<uint32_t>(n - k)));
}

// Bytes [0, n) of one row of a patch (see patch_chunk); rows of up to 16 bytes without a loop.
void patch_row(int8_t* dst, const int8_t* window, int32_t n, int32_t lo, int32_t hi,
               int8x16_t padding) {
  if (n <= 16) {
    patch_chunk(dst, window, 0, n, lo, hi, padding);
    return;
  }
  for (int32_t k = 0; k < n; k += 16) patch_chunk(dst, window, k, n, lo, hi, padding);
}

// The patch of the output pixel whose window starts at (iy0, ix0), in filter order (row, column,
// channel). Without horizontal dilation the valid taps of a filter row are one contiguous run.
void gather_patch(const conv::Geometry& g, int32_t depth, const int8_t* image, int32_t iy0,
                  int32_t ix0, int8x16_t padding, int8_t* column) {
  int32_t fx0, fx1;
  conv::valid_taps(ix0, g.in_w, g.filter_w, g.dilation_w, &fx0, &fx1);
  const int32_t row_bytes = g.filter_w * depth;
  for (int32_t fy = 0; fy < g.filter_h; ++fy, column += row_bytes) {
    const int32_t iy = iy0 + fy * g.dilation_h;
    const bool row_inside = iy >= 0 && iy < g.in_h;
    const int8_t* row = image + static_cast<int64_t>(row_inside ? iy : 0) * g.in_w * depth;
    if (!row_inside || g.dilation_w == 1) {
      patch_row(column, row + static_cast<int64_t>(ix0) * depth, row_bytes,
                row_inside ? fx0 * depth : 0, row_inside ? fx1 * depth : 0, padding);
      continue;
    }
    for (int32_t fx = 0; fx < g.filter_w; ++fx) {  // one tap at a time
      const bool inside = fx >= fx0 && fx < fx1;
      patch_row(column + fx * depth, row + static_cast<int64_t>(ix0 + fx * g.dilation_w) * depth,
                depth, 0, inside ? depth : 0, padding);
    }
  }
}

// Whether the planner put the output over the input.
bool in_place(const int8_t* input, int64_t input_bytes, const int8_t* output,
              int64_t output_bytes) {
  const auto in = reinterpret_cast<uintptr_t>(input), out = reinterpret_cast<uintptr_t>(output);
  return in < out + static_cast<uintptr_t>(output_bytes) &&
         out < in + static_cast<uintptr_t>(input_bytes);
}

void eval_int8(const ConvData& d, const int32_t* corrected_bias, const int8_t* input,
               const int8_t* filter, int8_t* output, int8_t* column) {
  const conv::Geometry& g = d.g;
  const int32_t patch = g.filter_h * g.filter_w * d.in_depth;
  const mve::Requantizer rq(d.multipliers(), true,
                            fast::Int8Output{d.q.output_offset, d.q.act_min, d.q.act_max});
  // The input zero point, which the input offset turns into 0.
  const int8x16_t padding = vdupq_n_s8(static_cast<int8_t>(-d.q.input_offset));
  const int64_t image_bytes = static_cast<int64_t>(g.in_h) * g.in_w * d.in_depth;
  const int32_t pixel_bytes = g.stride_w * d.in_depth;
  const int32_t per_pass = patches_per_pass(patch);
  const int32_t pixels = g.out_h * g.out_w;
  const int32_t run = in_place(input, g.batches * image_bytes, output,
                               static_cast<int64_t>(g.batches) * pixels * d.out_depth)
                          ? kInPlaceRun
                          : pixels;
  int8_t* y = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* image = input + b * image_bytes;
    if (is_contiguous_pointwise(g)) {
      for (int32_t p = 0; p < pixels; p += run) {
        const int32_t count = pixels - p < run ? pixels - p : run;
        mve::matrix_times_filter(image + static_cast<int64_t>(p) * d.in_depth, d.in_depth, count,
                                 filter, corrected_bias, patch, d.out_depth, rq, y, d.out_depth);
        y += static_cast<int64_t>(count) * d.out_depth;
      }
      continue;
    }
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      if (is_pointwise(g)) {  // one run of pixels per output row
        mve::matrix_times_filter(image + static_cast<int64_t>(iy0) * g.in_w * d.in_depth,
                                 pixel_bytes, g.out_w, filter, corrected_bias, patch, d.out_depth,
                                 rq, y, d.out_depth);
        y += static_cast<int64_t>(g.out_w) * d.out_depth;
        continue;
      }
      for (int32_t ox0 = 0; ox0 < g.out_w; ox0 += per_pass) {
        const int32_t count = g.out_w - ox0 < per_pass ? g.out_w - ox0 : per_pass;
        for (int32_t i = 0; i < count; ++i) {
          gather_patch(g, d.in_depth, image, iy0, (ox0 + i) * g.stride_w - g.pad_w, padding,
                       column + i * patch);
        }
        mve::matrix_times_filter(column, patch, count, filter, corrected_bias, patch, d.out_depth,
                                 rq, y, d.out_depth);
        y += static_cast<int64_t>(count) * d.out_depth;
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto& header = *ctx.persistent<mve::MveHeader>();
  if (!header.fallback.use_fast_path) return fast::eval_reference(ctx, kKernel_CONV_2D);
  eval_int8(conv::in_band(mve::reference_state<ConvData>(header), ctx), header.corrected_bias,
            ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(), ctx.output(0).as<int8_t>(),
            static_cast<int8_t*>(ctx.scratch()));
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kMveKernel_CONV_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::CONV_2D), 1, 8, prepare, eval, false};

}  // namespace tinyforge
