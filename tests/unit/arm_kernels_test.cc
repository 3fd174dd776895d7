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

TEST(ArmKernels, ConvMatchesReferenceOnRandomOperators) {
  EXPECT_GT(expect_fast_matches_reference(OpKind::kConv, dsp_ranges(), kKernel_CONV_2D,
                                          kDspKernel_CONV_2D, 11, 300),
            150);
}

TEST(ArmKernels, DepthwiseMatchesReferenceOnRandomOperators) {
  EXPECT_GT(
      expect_fast_matches_reference(OpKind::kDepthwise, dsp_ranges(), kKernel_DEPTHWISE_CONV_2D,
                                    kDspKernel_DEPTHWISE_CONV_2D, 12, 300),
      150);
}

TEST(ArmKernels, FullyConnectedMatchesReferenceOnRandomOperators) {
  EXPECT_GT(
      expect_fast_matches_reference(OpKind::kFullyConnected, dsp_ranges(), kKernel_FULLY_CONNECTED,
                                    kDspKernel_FULLY_CONNECTED, 13, 300),
      150);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  EXPECT_EQ(expect_board_matches_reference("mps2-an386", dsp_ranges(), 21, 6), 180);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps3An547) {
  TINYFORGE_REQUIRE_QEMU();
  EXPECT_EQ(expect_board_matches_reference("mps3-an547", dsp_ranges(), 22, 6), 180);
}

}  // namespace
}  // namespace tinyforge::testing
