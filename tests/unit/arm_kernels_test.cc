// The Arm DSP fast kernels (runtime/src/kernels/arm) against the reference kernels: on random
// shapes, strides, paddings, dilations, channel counts and quantization parameters the output
// bytes must be identical. On the host the fast kernels run with the portable form of the SIMD
// operations; on QEMU boards whose cores have the DSP extension (Cortex-M4F, Cortex-M55) the
// firmware registers them in place of the reference kernels, and the same random operators must
// give the bytes the host's reference kernels give.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/arm/requantize.h"
#include "kernels/kernel.h"
#include "tests/support/quant_reference.h"
#include "tests/support/random_ops.h"
#include "tests/support/require_qemu.h"

namespace tinyforge {
extern const KernelRegistration kKernel_CONV_2D;
extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kKernel_FULLY_CONNECTED;
extern const KernelRegistration kDspKernel_CONV_2D;
extern const KernelRegistration kDspKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kDspKernel_FULLY_CONNECTED;
extern const KernelRegistration kKernel_AVERAGE_POOL_2D;
extern const KernelRegistration kDspKernel_AVERAGE_POOL_2D;
extern const KernelRegistration kKernel_ADD;
extern const KernelRegistration kKernel_SUB;
extern const KernelRegistration kDspKernel_ADD;
extern const KernelRegistration kDspKernel_SUB;
}  // namespace tinyforge

namespace tinyforge::testing {
namespace {

// The DSP kernels' shapes: channel counts around their 4-byte words.
OpRanges dsp_ranges() {
  OpRanges r;
  r.depths = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17};
  r.conv_channels = {1, 2, 3, 4, 5, 8, 9, 16};
  r.depth_multipliers = {1, 1, 1, 2, 4, 8};
  return r;
}

TEST(ArmKernels, RequantizationEqualsTfliteOnRandomValues) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const double real = std::exp(std::uniform_real_distribution<double>(-20.0, 5.0)(rng));
    const QuantizedMultiplier m = quantize_multiplier(real);
    const int32_t x = i % 3 == 0 ? random_int<int32_t>(rng, INT32_MIN, INT32_MAX)
                                 : random_int<int32_t>(rng, -100000, 100000);
    ASSERT_EQ(fast::multiply_by_quantized_multiplier(x, m),
              multiply_by_quantized_multiplier(x, m.multiplier, m.shift))
        << x << " " << m.multiplier << " " << m.shift;
  }
}

TEST(ArmKernels, ShortRequantizationEqualsTfliteInsideItsBounds) {
  std::mt19937 rng(8);
  constexpr int32_t kBound = (1 << 30) - 1;
  for (int i = 0; i < 400000; ++i) {
    QuantizedMultiplier m;
    m.multiplier = random_int<int32_t>(rng, 1 << 30, INT32_MAX);
    m.shift = -random_int<int>(rng, 1, i % 4 == 0 ? 30 : 12);
    int32_t x;
    switch (i % 5) {
      case 0:  // the ends of the range
        x = pick(rng, std::vector<int32_t>{-kBound, -kBound + 1, -1, 0, 1, kBound - 1, kBound});
        break;
      case 1:
        x = random_int<int32_t>(rng, -kBound, kBound);
        break;
      default:  // accumulators of typical size, where exact halves are frequent
        x = random_int<int32_t>(rng, -5000, 5000);
        break;
    }
    ASSERT_EQ(fast::multiply_short_accumulator(x, m),
              multiply_by_quantized_multiplier(x, m.multiplier, m.shift))
        << x << " " << m.multiplier << " " << m.shift;
    // ShortMultiplier also takes a shift of 0 (no rounding step).
    if (i % 7 == 0) m.shift = 0;
    ASSERT_EQ(fast::ShortMultiplier::of(m)(x),
              multiply_by_quantized_multiplier(x, m.multiplier, m.shift))
        << x << " " << m.multiplier << " " << m.shift;
  }
}

TEST(ArmKernels, ShortRequantizationIsRefusedOutsideItsBounds) {
  const int8_t filter[4] = {127, -128, 5, 0};
  const int32_t bias[2] = {1000, -(1 << 29)};
  alignas(4) uint8_t block[10];
  ChannelMultipliers m = ChannelMultipliers::in(block, 2);
  m.set(0, quantize_multiplier(0.001));
  m.set(1, quantize_multiplier(0.001));
  // |x + 127| <= 254: channel 0 reaches 1000 + 255 * 254, channel 1 2^29 + 5 * 254, inside 2^30.
  EXPECT_TRUE(fast::short_requantization_applies(bias, filter, m, true, 2, 2, 2, 1, 127));
  const int32_t large_bias[2] = {0, (1 << 30) - 1000};
  EXPECT_FALSE(fast::short_requantization_applies(large_bias, filter, m, true, 2, 2, 2, 1, 127));
  m.set(1, quantize_multiplier(0.75));  // a shift of 0: no right shift to round
  EXPECT_FALSE(fast::short_requantization_applies(bias, filter, m, true, 2, 2, 2, 1, 127));
  EXPECT_TRUE(fast::short_requantization_applies(bias, filter, m, false, 2, 2, 2, 1, 127));
}

// Both requantization forms must be exercised by the random operators.
void expect_matches_with_both_forms(OpKind kind, const KernelRegistration& reference,
                                    const KernelRegistration& fast, unsigned seed) {
  constexpr int kTrials = 300;
  int short_cases = 0;
  const int fast_cases = expect_fast_matches_reference(kind, dsp_ranges(), reference, fast, seed,
                                                       kTrials, &short_cases);
  EXPECT_GT(fast_cases, kTrials / 2);
  EXPECT_GT(short_cases, fast_cases / 4);
  EXPECT_LT(short_cases, fast_cases);
}

TEST(ArmKernels, ConvMatchesReferenceOnRandomOperators) {
  expect_matches_with_both_forms(OpKind::kConv, kKernel_CONV_2D, kDspKernel_CONV_2D, 11);
}

TEST(ArmKernels, DepthwiseMatchesReferenceOnRandomOperators) {
  expect_matches_with_both_forms(OpKind::kDepthwise, kKernel_DEPTHWISE_CONV_2D,
                                 kDspKernel_DEPTHWISE_CONV_2D, 12);
}

TEST(ArmKernels, FullyConnectedMatchesReferenceOnRandomOperators) {
  expect_matches_with_both_forms(OpKind::kFullyConnected, kKernel_FULLY_CONNECTED,
                                 kDspKernel_FULLY_CONNECTED, 13);
}

TEST(ArmKernels, AveragePoolMatchesReferenceOnRandomOperators) {
  OpRanges ranges = dsp_ranges();
  ranges.max_filter = 6;
  EXPECT_GT(expect_fast_matches_reference(OpKind::kAveragePool, ranges, kKernel_AVERAGE_POOL_2D,
                                          kDspKernel_AVERAGE_POOL_2D, 14, 300),
            250);
}

TEST(ArmKernels, AveragePoolOverMoreThan256PixelsGoesToTheReference) {
  OpRanges ranges = dsp_ranges();
  ranges.max_image = 24;
  ranges.max_filter = 24;
  constexpr int kTrials = 60;
  const int fast =
      expect_fast_matches_reference(OpKind::kAveragePool, ranges, kKernel_AVERAGE_POOL_2D,
                                    kDspKernel_AVERAGE_POOL_2D, 15, kTrials);
  EXPECT_GT(fast, 0);
  EXPECT_LT(fast, kTrials);
}

TEST(ArmKernels, AddAndSubMatchReferenceOnRandomOperators) {
  // A fifth broadcast the second input, which the reference kernel computes.
  EXPECT_GT(expect_fast_matches_reference(OpKind::kAdd, dsp_ranges(), kKernel_ADD, kDspKernel_ADD,
                                          16, 300),
            180);
  EXPECT_GT(expect_fast_matches_reference(OpKind::kSub, dsp_ranges(), kKernel_SUB, kDspKernel_SUB,
                                          17, 300),
            180);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  // Six models: conv, depthwise, fully connected, pool (30 operators each), ADD, SUB (15 each).
  EXPECT_EQ(expect_board_matches_reference("mps2-an386", dsp_ranges(), 21, 6), 150);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps3An547) {
  TINYFORGE_REQUIRE_QEMU();
  EXPECT_EQ(expect_board_matches_reference("mps3-an547", dsp_ranges(), 22, 6), 150);
}

}  // namespace
}  // namespace tinyforge::testing
