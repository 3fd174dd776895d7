// The in-place leads are safe: simulating the kernels' read and write order byte by byte with
// the output `lead` bytes before the input, no input byte is read after the output overwrote it.
#include "kernels/in_place.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace tinyforge::testing {
namespace {

// Input bytes by address relative to the input's start; the output starts at -lead.
class Memory {
 public:
  Memory(int64_t lead, int64_t input_bytes) : lead_(lead), input_bytes_(input_bytes) {}
  void write_output(int64_t byte) {
    const int64_t address = byte - lead_;
    if (address >= 0 && address < input_bytes_) clobbered_[address] = true;
  }
  // False once an input byte is read after the output overwrote it.
  bool read_input(int64_t byte) { return ok_ &= !clobbered_[byte]; }
  bool ok() const { return ok_; }

 private:
  int64_t lead_, input_bytes_;
  std::map<int64_t, bool> clobbered_;
  bool ok_ = true;
};

struct Case {
  SlidingWindow w;
  int32_t filter_h, filter_w, dilation;
  int64_t in_pixel, out_pixel;
};

// The kernels' orders: output pixels in (batch, row, column) order, in runs of `run` pixels of a
// row; per run either every window read then every write (reads_first), or before each output
// byte every window of the run again (the worst interleaving).
bool window_kernel_is_safe(const Case& c, bool reads_first, int64_t lead, int32_t run = 1) {
  const SlidingWindow& w = c.w;
  Memory memory(lead, int64_t{w.batches} * w.in_h * w.in_w * c.in_pixel);
  auto read_window = [&](int32_t b, int32_t oy, int32_t ox) {
    for (int32_t fy = 0; fy < c.filter_h; ++fy) {
      const int32_t y = oy * w.stride_h - w.pad_h + fy * c.dilation;
      for (int32_t fx = 0; fx < c.filter_w; ++fx) {
        const int32_t x = ox * w.stride_w - w.pad_w + fx * c.dilation;
        if (y < 0 || y >= w.in_h || x < 0 || x >= w.in_w) continue;
        const int64_t pixel = (int64_t{b} * w.in_h + y) * w.in_w + x;
        for (int64_t k = 0; k < c.in_pixel; ++k) memory.read_input(pixel * c.in_pixel + k);
      }
    }
  };
  int64_t p = 0;
  for (int32_t b = 0; b < w.batches; ++b) {
    for (int32_t oy = 0; oy < w.out_h; ++oy) {
      for (int32_t first = 0; first < w.out_w; first += run) {
        const int32_t stop = std::min(first + run, w.out_w);
        auto read_run = [&] {
          for (int32_t ox = first; ox < stop; ++ox) read_window(b, oy, ox);
        };
        if (reads_first) read_run();
        for (int32_t ox = first; ox < stop; ++ox, ++p) {
          for (int64_t k = 0; k < c.out_pixel; ++k) {
            if (!reads_first) read_run();
            memory.write_output(p * c.out_pixel + k);
          }
        }
      }
    }
  }
  return memory.ok();
}

TEST(InPlace, SlidingWindowLeadIsSafeOnRandomGeometries) {
  std::mt19937 rng(6);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int tight = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Case c;
    c.filter_h = pick(1, 3);
    c.filter_w = pick(1, 3);
    c.dilation = pick(1, 2);
    c.w.batches = pick(1, 2);
    c.w.in_h = pick(1, 7);
    c.w.in_w = pick(1, 7);
    c.w.stride_h = pick(1, 2);
    c.w.stride_w = pick(1, 2);
    c.w.pad_h = pick(0, c.filter_h - 1);
    c.w.pad_w = pick(0, c.filter_w - 1);
    c.w.out_h = (c.w.in_h + 2 * c.w.pad_h - c.dilation * (c.filter_h - 1) - 1) / c.w.stride_h + 1;
    c.w.out_w = (c.w.in_w + 2 * c.w.pad_w - c.dilation * (c.filter_w - 1) - 1) / c.w.stride_w + 1;
    if (c.w.out_h < 1 || c.w.out_w < 1) continue;
    c.in_pixel = pick(1, 4);
    c.out_pixel = pick(1, 4);
    const int32_t run = pick(1, 3) == 1 ? pick(2, 4) : 1;
    for (bool reads_first : {false, true}) {
      const int64_t lead = sliding_window_lead(c.w, c.in_pixel, c.out_pixel, reads_first, run);
      EXPECT_TRUE(window_kernel_is_safe(c, reads_first, lead, run))
          << "trial " << trial << " reads_first " << reads_first << " run " << run << " lead "
          << lead;
      // The bound is useful, not just safe: usually one byte less already breaks the order.
      tight += !window_kernel_is_safe(c, reads_first, lead - 1, run);
    }
  }
  EXPECT_GT(tight, 200);
}

TEST(InPlace, PointwiseConvolutionNeedsOnlyOnePixelMoreThanItsOutput) {
  // 1x1 convolution, 8 -> 16 channels on 48x48: the output and input together take the output
  // plus one input pixel instead of both tensors.
  const SlidingWindow w{1, 48, 48, 48, 48, 1, 1, 0, 0};
  const int64_t in = 48 * 48 * 8, out = 48 * 48 * 16;
  const int64_t lead = sliding_window_lead(w, 8, 16, false);
  EXPECT_EQ(lead + in, out + 8);
}

TEST(InPlace, ARunOfPixelsCostsTheRunsInput) {
  // The same convolution read as one row of pixels, the channel groups going round 32 pixels at a
  // time (reads and writes interleaved within a run): the last run's input must survive too.
  const SlidingWindow w{1, 1, 48 * 48, 1, 48 * 48, 1, 1, 0, 0};
  const int64_t in = 48 * 48 * 8, out = 48 * 48 * 16;
  EXPECT_EQ(sliding_window_lead(w, 8, 16, false, 32) + in, out + 32 * 8);
  // Read before written, a run costs nothing beyond the one-pixel bound of the interleaved order.
  EXPECT_LE(sliding_window_lead(w, 8, 16, true, 32) + in, out + 8);
}

TEST(InPlace, ElementwiseLeadIsSafeForEveryWidthPair) {
  for (DataType in_type : {DataType::kInt8, DataType::kInt16, DataType::kFloat32}) {
    for (DataType out_type : {DataType::kInt8, DataType::kInt16, DataType::kFloat32}) {
      const int32_t dims[1] = {37};
      TensorView in, out;
      in.type = in_type;
      out.type = out_type;
      in.rank = out.rank = 1;
      in.dims = out.dims = dims;
      const int64_t lead = elementwise_lead(in, out);
      const int64_t in_width = static_cast<int64_t>(dtype_size(in_type));
      const int64_t out_width = static_cast<int64_t>(dtype_size(out_type));
      auto safe = [&](int64_t l) {
        Memory memory(l, 37 * in_width);
        for (int64_t i = 0; i < 37; ++i) {
          for (int64_t k = 0; k < in_width; ++k) memory.read_input(i * in_width + k);
          for (int64_t k = 0; k < out_width; ++k) memory.write_output(i * out_width + k);
        }
        return memory.ok();
      };
      EXPECT_TRUE(safe(lead)) << dtype_size(in_type) << " -> " << dtype_size(out_type);
      EXPECT_FALSE(safe(lead - 1)) << dtype_size(in_type) << " -> " << dtype_size(out_type);
    }
  }
}

}  // namespace
}  // namespace tinyforge::testing
