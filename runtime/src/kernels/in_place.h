// How far before its input a kernel's output may start so that eval() can run in place.
//
// A kernel that writes output 0 over an input which dies at its operator must never overwrite an
// input byte it still has to read. Placing the output `lead` bytes or more before the input (a
// negative lead: at most -lead bytes after it) guarantees that for the loop orders below; the
// planner then lets the two buffers overlap (see PrepareContext::allow_in_place).
#ifndef TINYFORGE_KERNELS_IN_PLACE_H_
#define TINYFORGE_KERNELS_IN_PLACE_H_

#include <stdint.h>

#include "tinyforge/tensor.h"

namespace tinyforge {

class PrepareContext;

// An NHWC operator whose output pixel (b, oy, ox) reads input pixels from rows
// oy * stride_h - pad_h and columns ox * stride_w - pad_w onwards (clipped to the image).
struct SlidingWindow {
  int32_t batches;
  int32_t in_h, in_w, out_h, out_w;
  int32_t stride_h, stride_w, pad_h, pad_w;
};

// Output pixels are written in (batch, row, column) order, in runs of `run_pixels` consecutive
// pixels of one row (a row's last run may be shorter). `reads_first`: every read for a run
// happens before its first write; otherwise the run's reads and writes interleave in any order.
int64_t sliding_window_lead(const SlidingWindow& w, int64_t in_pixel_bytes, int64_t out_pixel_bytes,
                            bool reads_first, int32_t run_pixels = 1);

// out[i] = f(in[i]) in increasing i, each in[i] read before out[i] is written. Requires equal
// element counts.
int64_t elementwise_lead(const TensorView& input, const TensorView& output);

// Offers output 0 over input `input` of an elementwise kernel (loop order as elementwise_lead)
// when the two have the same number of elements, so the element indices coincide.
void allow_elementwise_in_place(PrepareContext& ctx, int input);
// Offers output 0 over input 0 of a sliding-window kernel (loop order as sliding_window_lead).
void allow_window_in_place(PrepareContext& ctx, const SlidingWindow& window, bool reads_first,
                           int32_t run_pixels = 1);

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_IN_PLACE_H_
