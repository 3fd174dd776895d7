// Requantization multipliers (runtime/src/kernels/quant_math.h): TFLite's split of a real
// multiplier into Q0.31 and a power of two, and what it gives for ratios that are not finite.
#include "kernels/quant_math.h"

#include <gtest/gtest.h>

#include <limits>

namespace tinyforge {
namespace {

TEST(QuantMath, MultipliersSplitAsTfliteDoes) {
  QuantizedMultiplier m = quantize_multiplier(0.5);
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 0);
  m = quantize_multiplier(1.0);
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 1);
  m = quantize_multiplier(0.75);
  EXPECT_EQ(m.multiplier, 3 << 29);
  EXPECT_EQ(m.shift, 0);
  // Below 2^-32 TFLite gives zero.
  m = quantize_multiplier(1e-12);
  EXPECT_EQ(m.multiplier, 0);
  EXPECT_EQ(m.shift, 0);
}

// A ratio of extreme scales overflows to inf (a fuzz-found model); the split must not convert inf
// to an integer (undefined behaviour) but give the zero multiplier kernels refuse or apply safely.
TEST(QuantMath, NonFiniteMultipliersGiveZero) {
  for (const double m :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    const QuantizedMultiplier q = quantize_multiplier(m);
    EXPECT_EQ(q.multiplier, 0) << m;
    EXPECT_EQ(q.shift, 0) << m;
  }
}

}  // namespace
}  // namespace tinyforge
