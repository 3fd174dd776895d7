#include "kernels/in_place.h"

#include "kernels/kernel.h"

namespace tinyforge {
namespace {

int32_t clipped(int32_t origin) { return origin < 0 ? 0 : origin; }

}  // namespace

int64_t sliding_window_lead(const SlidingWindow& w, int64_t in_pixel_bytes, int64_t out_pixel_bytes,
                            bool reads_first, int32_t run_pixels) {
  // Output pixel p occupies bytes [p * out, (p + 1) * out) counted from the output's start; with
  // the output `lead` bytes before the input, that is input bytes [p * out - lead, ...). Every
  // pixel of a run must lie below the first input pixel that a later run (or, unless the run
  // reads everything before writing, the run itself) still reads: the lowest window origin from
  // there on. The run's last pixel is the tightest.
  if (w.batches < 1 || w.out_h < 1 || w.out_w < 1) return INT32_MIN;  // no pixels
  if (run_pixels < 1) run_pixels = 1;
  const int64_t in_image = static_cast<int64_t>(w.in_h) * w.in_w;
  int64_t pending = INT64_MAX;  // lowest input pixel read by the runs after the current one
  int64_t lead = INT64_MIN;
  int64_t end = static_cast<int64_t>(w.batches) * w.out_h * w.out_w;  // one past the run's pixels
  for (int32_t b = w.batches - 1; b >= 0; --b) {
    for (int32_t oy = w.out_h - 1; oy >= 0; --oy) {
      const int64_t row =
          b * in_image + static_cast<int64_t>(clipped(oy * w.stride_h - w.pad_h)) * w.in_w;
      const int32_t last_run = (w.out_w - 1) / run_pixels * run_pixels;
      for (int32_t first = last_run; first >= 0; first -= run_pixels) {
        const int32_t stop = first + run_pixels < w.out_w ? first + run_pixels : w.out_w;
        // Clipped origins only grow along a row, so the run's lowest is its first pixel's.
        const int64_t run_origin = row + clipped(first * w.stride_w - w.pad_w);
        const int64_t limit = reads_first || run_origin > pending ? pending : run_origin;
        if (limit != INT64_MAX) {
          const int64_t needed = end * out_pixel_bytes - limit * in_pixel_bytes;
          if (needed > lead) lead = needed;
        }
        if (run_origin < pending) pending = run_origin;
        end -= stop - first;
      }
    }
  }
  // Nothing constrains it (one run that reads first): any overlap is safe.
  return lead == INT64_MIN ? INT32_MIN : lead;
}

int64_t elementwise_lead(const TensorView& input, const TensorView& output) {
  // Element i may overwrite input elements up to i: (i + 1) * out - lead <= (i + 1) * in for
  // every i but the last (whose bytes past the input are the output's own), tightest at the first
  // element when the output is narrower, at the last but one otherwise.
  const int64_t in = static_cast<int64_t>(dtype_size(input.type));
  const int64_t out = static_cast<int64_t>(dtype_size(output.type));
  const int64_t n = output.elements();
  return out <= in ? out - in : (n - 1) * (out - in);
}

void allow_elementwise_in_place(PrepareContext& ctx, int input) {
  const TensorView in = ctx.input(input), out = ctx.output(0);
  if (!ctx.sizing() || !in.present() || in.is_constant || in.elements() != out.elements()) return;
  ctx.allow_in_place(input, elementwise_lead(in, out));
}

void allow_window_in_place(PrepareContext& ctx, const SlidingWindow& window, bool reads_first,
                           int32_t run_pixels) {
  const TensorView in = ctx.input(0), out = ctx.output(0);
  if (!ctx.sizing() || in.rank != 4 || out.rank != 4) return;
  const int64_t in_pixel = static_cast<int64_t>(in.dim(3)) * dtype_size(in.type);
  const int64_t out_pixel = static_cast<int64_t>(out.dim(3)) * dtype_size(out.type);
  ctx.allow_in_place(0, sliding_window_lead(window, in_pixel, out_pixel, reads_first, run_pixels));
}

}  // namespace tinyforge
