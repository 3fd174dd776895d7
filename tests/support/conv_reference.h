// Independent reference arithmetic for the convolution kernel tests: output sizes and padding
// written from TensorFlow's definition of SAME/VALID windows, exact int64 / double convolution
// sums, and the 16x8 (int64 accumulator) requantization evaluated with 128-bit integers.
#ifndef TINYFORGE_TESTS_SUPPORT_CONV_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_CONV_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "tests/support/quant_reference.h"

namespace tinyforge::testing {

// One spatial axis of a convolution window.
struct RefAxis {
  int out = 0;
  int pad_before = 0;
};

// SAME: ceil(in / stride) outputs, the total padding split with the smaller half first.
// VALID: windows that fit entirely, floor((in - span) / stride) + 1 (requires in >= span).
inline RefAxis reference_axis(bool same, int in, int filter, int stride, int dilation) {
  const int span = dilation * (filter - 1) + 1;
  RefAxis a;
  if (same) {
    a.out = (in + stride - 1) / stride;
    const int needed = (a.out - 1) * stride + span;
    a.pad_before = needed > in ? (needed - in) / 2 : 0;
  } else {
    a.out = in >= span ? (in - span) / stride + 1 : 0;
    a.pad_before = 0;
  }
  return a;
}

// The parameters of one NHWC convolution. Depthwise: groups == in_depth, filter_depth == 1 and
// output channel c reads input channel c / depth_multiplier.
struct RefConv {
  int batches, in_h, in_w, in_depth;
  int filter_h, filter_w;
  int out_depth;
  int stride_h, stride_w, dilation_h, dilation_w;
  bool same;
  bool depthwise;
  int groups = 1;  // CONV_2D only

  RefAxis axis_h() const { return reference_axis(same, in_h, filter_h, stride_h, dilation_h); }
  RefAxis axis_w() const { return reference_axis(same, in_w, filter_w, stride_w, dilation_w); }
  int filter_depth() const { return depthwise ? 1 : in_depth / groups; }
  // Filter element for (output channel, ky, kx, input channel within the group).
  int filter_index(int oc, int ky, int kx, int ic) const {
    if (depthwise) return (ky * filter_w + kx) * out_depth + oc;
    return ((oc * filter_h + ky) * filter_w + kx) * filter_depth() + ic;
  }
  int filter_elements() const {
    return depthwise ? filter_h * filter_w * out_depth
                     : out_depth * filter_h * filter_w * filter_depth();
  }
};

// sum over the window of filter * (input - input_zero_point), exactly, in T (int64_t or double),
// for every output element in NHWC order.
template <typename T, typename In, typename W>
std::vector<T> reference_conv_sums(const RefConv& c, const std::vector<In>& input,
                                   const std::vector<W>& filter, T input_zero_point) {
  const RefAxis ah = c.axis_h(), aw = c.axis_w();
  std::vector<T> sums;
  const int per_group = c.depthwise ? 0 : c.out_depth / c.groups;
  const int multiplier = c.depthwise ? c.out_depth / c.in_depth : 0;
  for (int b = 0; b < c.batches; ++b) {
    for (int oy = 0; oy < ah.out; ++oy) {
      for (int ox = 0; ox < aw.out; ++ox) {
        for (int oc = 0; oc < c.out_depth; ++oc) {
          T sum = 0;
          for (int ky = 0; ky < c.filter_h; ++ky) {
            const int iy = oy * c.stride_h - ah.pad_before + ky * c.dilation_h;
            if (iy < 0 || iy >= c.in_h) continue;
            for (int kx = 0; kx < c.filter_w; ++kx) {
              const int ix = ox * c.stride_w - aw.pad_before + kx * c.dilation_w;
              if (ix < 0 || ix >= c.in_w) continue;
              for (int ic = 0; ic < c.filter_depth(); ++ic) {
                const int channel =
                    c.depthwise ? oc / multiplier : (oc / per_group) * c.filter_depth() + ic;
                const T x =
                    static_cast<T>(input[((b * c.in_h + iy) * c.in_w + ix) * c.in_depth + channel]);
                sum +=
                    static_cast<T>(filter[c.filter_index(oc, ky, kx, ic)]) * (x - input_zero_point);
              }
            }
          }
          sums.push_back(sum);
        }
      }
    }
  }
  return sums;
}

// TFLite's requantization of an int64 accumulator (16x8 kernels with int64 bias): the Q31
// multiplier rounded to 16 bits, then one round-half-up shift by 15 - exponent.
inline int64_t reference_requantize_16x8(int64_t acc, double real_multiplier) {
  int64_t mantissa;
  int exponent;
  reference_quantize_multiplier(real_multiplier, &mantissa, &exponent);
  const int64_t reduced = mantissa < 0x7FFF0000 ? (mantissa + (1 << 15)) / 65536 : 0x7FFF;
  const int shift = 15 - exponent;
  const __int128 scaled = static_cast<__int128>(acc) * reduced;
  const __int128 divisor = static_cast<__int128>(1) << shift;
  // floor((scaled + divisor / 2) / divisor)
  __int128 num = scaled + divisor / 2;
  __int128 q = num / divisor;
  if (num % divisor != 0 && num < 0) --q;
  return static_cast<int64_t>(q);
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_CONV_REFERENCE_H_
