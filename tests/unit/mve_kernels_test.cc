// The MVE (Helium) kernels (runtime/src/kernels/mve) against the reference kernels: on random
// shapes, strides, paddings, dilations, channel counts around the 16-lane and 4-lane vector
// widths, and quantization parameters, the output bytes must be identical. On the host the kernels
// run on mve/vector.h's emulation of the intrinsics; on the Cortex-M55 board (real MVE under QEMU)
// the firmware registers them ahead of the other kernels, and the same random operators must give
// the bytes the host's reference kernels give.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/arm/requantize.h"
#include "kernels/kernel.h"
#include "kernels/mve/requantize.h"
#include "kernels/quant_math.h"
#include "tests/support/quant_reference.h"
#include "tests/support/random_ops.h"
#include "tests/support/require_qemu.h"

namespace tinyforge {
extern const KernelRegistration kKernel_CONV_2D;
extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kKernel_FULLY_CONNECTED;
extern const KernelRegistration kMveKernel_CONV_2D;
extern const KernelRegistration kMveKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kMveKernel_FULLY_CONNECTED;
}  // namespace tinyforge

namespace tinyforge::testing {
namespace {

// Channel counts just below, at and above the vector widths (4 int32 lanes, 16 int8 lanes).
OpRanges mve_ranges() {
  OpRanges r;
  r.max_image = 7;
  r.depths = {1, 2, 3, 4, 5, 8, 15, 16, 17, 32, 33};
  r.conv_channels = {1, 3, 4, 5, 8, 16, 17, 33};
  r.depth_multipliers = {1, 1, 1, 2, 3, 8};
  r.max_fc_depth = 70;
  r.max_fc_units = 37;
  return r;
}

int32_t random_accumulator(std::mt19937& rng) {
  switch (random_int<int>(rng, 0, 5)) {
    case 0:
      return pick(
          rng, std::vector<int32_t>{INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX});
    case 1:
    case 2:
      return random_int<int32_t>(rng, INT32_MIN, INT32_MAX);
    default:
      return random_int<int32_t>(rng, -100000, 100000);
  }
}

TEST(MveKernels, RequantizationEqualsTfliteOnRandomValues) {
  std::mt19937 rng(5);
  for (int i = 0; i < 50000; ++i) {
    // Four channels with their own multipliers (below and above one, and the extremes).
    QuantizedMultiplier m[4];
    int32_t acc[4];
    for (int lane = 0; lane < 4; ++lane) {
      const double real = random_int<int>(rng, 0, 20) == 0
                              ? pick(rng, std::vector<double>{0.0, 1.0, 0.5, 0.9999999999})
                              : std::exp(std::uniform_real_distribution<double>(-20.0, 5.0)(rng));
      m[lane] = quantize_multiplier(real);
      acc[lane] = random_accumulator(rng);
    }
    const bool per_channel = random_int<int>(rng, 0, 3) != 0;
    const fast::Int8Output out{random_int<int32_t>(rng, -128, 127),
                               random_int<int>(rng, 0, 1) == 0 ? -128 : 0, 127};
    const int lanes = random_int<int>(rng, 1, 4);
    int8_t got[4] = {7, 7, 7, 7};
    alignas(4) uint8_t block[20];
    ChannelMultipliers multipliers = ChannelMultipliers::in(block, 4);
    for (int lane = 0; lane < 4; ++lane) multipliers.set(lane, m[lane]);
    const mve::Requantizer rq(multipliers, per_channel, out);
    rq.store<1, true>(vldrwq_s32(acc), 0, got, vctp32q(static_cast<uint32_t>(lanes)));
    for (int lane = 0; lane < 4; ++lane) {
      const QuantizedMultiplier& mc = m[per_channel ? lane : 0];
      const int32_t want =
          clamp32(multiply_by_quantized_multiplier(acc[lane], mc.multiplier, mc.shift) + out.offset,
                  out.act_min, out.act_max);
      ASSERT_EQ(got[lane], lane < lanes ? want : 7)
          << "acc " << acc[lane] << " multiplier " << mc.multiplier << " shift " << mc.shift;
    }
  }
}

TEST(MveKernels, FullyConnectedMatchesReferenceOnRandomOperators) {
  EXPECT_GT(
      expect_fast_matches_reference(OpKind::kFullyConnected, mve_ranges(), kKernel_FULLY_CONNECTED,
                                    kMveKernel_FULLY_CONNECTED, 31, 400),
      300);
}

TEST(MveKernels, ConvMatchesReferenceOnRandomOperators) {
  EXPECT_GT(expect_fast_matches_reference(OpKind::kConv, mve_ranges(), kKernel_CONV_2D,
                                          kMveKernel_CONV_2D, 32, 400),
            300);
}

TEST(MveKernels, DepthwiseMatchesReferenceOnRandomOperators) {
  EXPECT_GT(
      expect_fast_matches_reference(OpKind::kDepthwise, mve_ranges(), kKernel_DEPTHWISE_CONV_2D,
                                    kMveKernel_DEPTHWISE_CONV_2D, 33, 400),
      350);
}

TEST(QemuMveKernels, RandomOperatorsMatchReferenceOnMps3An547) {
  TINYFORGE_REQUIRE_QEMU();
  EXPECT_EQ(expect_board_matches_reference("mps3-an547", mve_ranges(), 34, 6), 4 * 30 + 2 * 15);
}

}  // namespace
}  // namespace tinyforge::testing
