// Geometry of a sliding window (convolution, depthwise convolution, pooling) over an NHWC batch,
// with TFLite's output sizes and padding split: SAME pads (out - 1) * stride + effective window
// - in in total, the smaller half before (top/left) and the odd element after.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_WINDOW_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_WINDOW_H_

#include <algorithm>
#include <cstdint>
#include <string>

#include "toolkit/graph/graph.h"
#include "toolkit/host/error.h"

namespace tinyforge::train {

struct Window {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  int64_t k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t out_h = 0, out_w = 0;
  int64_t pad_top = 0, pad_left = 0;

  // First input row / column a window at output (oh, ow) starts from (may be negative).
  int64_t row0(int64_t oh) const { return oh * stride_h - pad_top; }
  int64_t col0(int64_t ow) const { return ow * stride_w - pad_left; }
};

namespace window_detail {

inline int64_t output_size(const graph::Node& node, const char* dim, int64_t in, int64_t k,
                           int64_t stride, int64_t dilation, graph::Padding padding,
                           int64_t* pad_before) {
  if (stride < 1 || dilation < 1 || k < 1) {
    throw host::Error("node '" + node.name + "' (" + graph::op_type_name(node.type) +
                      "): stride, dilation and window along " + dim + " must be positive");
  }
  const int64_t effective = (k - 1) * dilation + 1;
  if (padding == graph::Padding::kSame) {
    const int64_t out = (in + stride - 1) / stride;
    *pad_before = std::max<int64_t>((out - 1) * stride + effective - in, 0) / 2;
    return out;
  }
  if (effective > in) {
    throw host::Error("node '" + node.name + "' (" + graph::op_type_name(node.type) + "): window " +
                      std::to_string(effective) + " is larger than the input " + dim + " " +
                      std::to_string(in) + " with VALID padding");
  }
  *pad_before = 0;
  return (in - effective) / stride + 1;
}

}  // namespace window_detail

// x is [N, H, W, C]; the window is k_h x k_w with the node's strides, dilations and padding.
inline Window make_window(const graph::Node& node, const graph::Shape& x, int64_t k_h, int64_t k_w,
                          int64_t dilation_h, int64_t dilation_w) {
  if (x.size() != 4) {
    throw host::Error("node '" + node.name + "' (" + graph::op_type_name(node.type) +
                      "): input has shape " + graph::shape_string(x) + ", expected [N, H, W, C]");
  }
  Window w;
  w.batch = x[0];
  w.in_h = x[1];
  w.in_w = x[2];
  w.channels = x[3];
  w.k_h = k_h;
  w.k_w = k_w;
  w.stride_h = node.attrs.stride_h;
  w.stride_w = node.attrs.stride_w;
  w.dilation_h = dilation_h;
  w.dilation_w = dilation_w;
  w.out_h = window_detail::output_size(node, "height", w.in_h, k_h, w.stride_h, dilation_h,
                                       node.attrs.padding, &w.pad_top);
  w.out_w = window_detail::output_size(node, "width", w.in_w, k_w, w.stride_w, dilation_w,
                                       node.attrs.padding, &w.pad_left);
  return w;
}

// Calls tap(pixel, k) for each window tap of output (oh, ow) that falls inside the image: pixel =
// ih * in_w + iw indexes the input pixel and k = kh * k_w + kw the filter tap.
template <typename Tap>
inline void for_each_tap(const Window& w, int64_t oh, int64_t ow, Tap&& tap) {
  for (int64_t kh = 0; kh < w.k_h; ++kh) {
    const int64_t ih = w.row0(oh) + kh * w.dilation_h;
    if (ih < 0 || ih >= w.in_h) continue;
    for (int64_t kw = 0; kw < w.k_w; ++kw) {
      const int64_t iw = w.col0(ow) + kw * w.dilation_w;
      if (iw < 0 || iw >= w.in_w) continue;
      tap(ih * w.in_w + iw, kh * w.k_w + kw);
    }
  }
}

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_WINDOW_H_
