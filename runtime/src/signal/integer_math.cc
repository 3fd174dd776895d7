#include "signal/integer_math.h"

namespace tinyforge {
namespace {

// Correction of the linear approximation of log2(1 + f) on 128 segments of [0, 1), in Q16
// (values from TFLite Micro's signal library, a published table).
const uint16_t kLog2Correction[130] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646,
    2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460,
    4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408,
    5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633,
    5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249,
    5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341,
    4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981,
    2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224,
    1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

constexpr int kFractionBits = 16;    // log2 in Q16
constexpr int kSegmentBits = 7;      // 128 segments
constexpr uint32_t kLn2Q16 = 45426;  // ln(2) * 65536
constexpr uint32_t kHalfQ16 = uint32_t{1} << (kFractionBits - 1);

// The fractional part of log2(x) in Q16, where `integer` is floor(log2 x).
uint32_t log2_fraction(uint32_t x, uint32_t integer) {
  int32_t fraction = static_cast<int32_t>(static_cast<int64_t>(x) - (int64_t{1} << integer));
  if (integer < kFractionBits) {
    fraction = static_cast<int32_t>(static_cast<uint32_t>(fraction) << (kFractionBits - integer));
  } else {
    fraction >>= integer - kFractionBits;
  }
  const uint32_t segment = static_cast<uint32_t>(fraction) >> (kFractionBits - kSegmentBits);
  const int32_t c0 = kLog2Correction[segment];
  const int32_t c1 = kLog2Correction[segment + 1];
  const int32_t segment_start = static_cast<int32_t>(segment << (kFractionBits - kSegmentBits));
  const int32_t interpolated = ((c1 - c0) * (fraction - segment_start)) >> kFractionBits;
  return static_cast<uint32_t>(fraction + c0 + interpolated);
}

// One digit-by-digit square root; `Word` is uint32_t or uint64_t, `top` the highest even bit to
// try, then rounding up where the remainder exceeds the root (unless the root is `saturated`).
template <typename Word>
Word digit_sqrt(Word x, int top, Word saturated) {
  Word root = 0;
  Word bit = Word{1} << top;
  for (int steps = top / 2 + 1; steps > 0; --steps) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  if (x > root && root != saturated) ++root;
  return root;
}

}  // namespace

uint16_t isqrt_rounded32(uint32_t x) {
  if (x == 0) return 0;
  // The highest even-aligned bit at or below x's top bit (TFLM's `31 - (bits | 1)` form).
  const int top = 31 - static_cast<int>((32u - bit_length32(x)) | 1u);
  return static_cast<uint16_t>(digit_sqrt<uint32_t>(x, top, 0xFFFFu));
}

uint32_t isqrt_rounded64(uint64_t x) {
  if ((x >> 32) == 0) return isqrt_rounded32(static_cast<uint32_t>(x));
  const int top = 63 - static_cast<int>((64u - bit_length64(x)) | 1u);
  return static_cast<uint32_t>(digit_sqrt<uint64_t>(x, top, 0xFFFFFFFFu));
}

uint32_t log_scaled(uint32_t x, uint32_t out_scale) {
  const uint32_t integer = bit_length32(x) - 1;
  const uint32_t log2 = (integer << kFractionBits) + log2_fraction(x, integer);
  const uint32_t ln = static_cast<uint32_t>((uint64_t{kLn2Q16} * log2 + kHalfQ16) >> kFractionBits);
  return (out_scale * ln + kHalfQ16) >> kFractionBits;
}

}  // namespace tinyforge
