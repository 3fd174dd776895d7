// TFLite's MultiplyByQuantizedMultiplier, output zero point and activation clamp on four int32
// accumulators at once, for the MVE kernels.
//
// Per lane: x << left_shift (VSHL: bits shifted out are lost, as the reference's uint32 shift),
// then VQRDMULH, which is floor((x * m + 2^30) / 2^31), equal to the reference's sign-dependent
// nudge for every product (see kernels/arm/requantize.h; m >= 0 so it never saturates), then a
// rounding right shift. VRSHL rounds ties toward +infinity, the reference away from zero: a
// negative value about to be shifted right is lowered by one first, which turns its ties downward
// and leaves every other case alone (floor((x - 1 + h) / 2h) = floor(x / 2h) + (x mod 2h > h)).
// It cannot wrap: after VQRDMULH with m < 2^31, x > INT32_MIN.
#ifndef TINYFORGE_KERNELS_MVE_REQUANTIZE_H_
#define TINYFORGE_KERNELS_MVE_REQUANTIZE_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/arm/requantize.h"
#include "kernels/mve/vector.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace mve {

// The per-channel constants of four lanes.
struct ChannelScales {
  int32x4_t multiplier;
  int32x4_t left_shift;   // >= 0
  int32x4_t right_shift;  // <= 0: minus the right shift, as VRSHL takes it
};

class Requantizer {
 public:
  // `per_channel`: multipliers[c] for channel c, else multipliers[0] for all.
  Requantizer(const ChannelMultipliers& multipliers, bool per_channel, const fast::Int8Output& out)
      : multipliers_(multipliers.multipliers()),
        shifts_(multipliers.shifts()),
        per_channel_(per_channel),
        out_(out) {}

  // The constants of the lanes i < 4 holding channels c + i * kStep (kTail: those `pred`
  // selects), read straight from the reference kernel's ChannelMultipliers.
  template <int kStep, bool kTail>
  ChannelScales scales(int32_t c, mve_pred16_t pred) const {
    static_assert(kStep == 1 || kStep == 2, "four consecutive channels, or every other one");
    int32x4_t multiplier, shift;
    if (!per_channel_) {
      multiplier = vdupq_n_s32(multipliers_[0]);
      shift = vdupq_n_s32(shifts_[0]);
    } else if (kStep == 1) {
      multiplier = kTail ? vldrwq_z_s32(multipliers_ + c, pred) : vldrwq_s32(multipliers_ + c);
      shift = kTail ? vldrbq_z_s32(shifts_ + c, pred) : vldrbq_s32(shifts_ + c);
    } else {
      const uint32x4_t lanes = vidupq_n_u32(0, 2);
      multiplier = kTail ? vldrwq_gather_shifted_offset_z_s32(multipliers_ + c, lanes, pred)
                         : vldrwq_gather_shifted_offset_s32(multipliers_ + c, lanes);
      shift = kTail ? vldrbq_gather_offset_z_s32(shifts_ + c, lanes, pred)
                    : vldrbq_gather_offset_s32(shifts_ + c, lanes);
    }
    const int32x4_t zero = vdupq_n_s32(0);
    return ChannelScales{multiplier, vmaxq_s32(shift, zero), vminq_s32(shift, zero)};
  }

  // The output values (zero point added, activation clamp applied), still in int32 lanes.
  int32x4_t requantize(int32x4_t acc, const ChannelScales& s) const {
    int32x4_t x = vqrdmulhq_s32(vshlq_s32(acc, s.left_shift), s.multiplier);
    x = vaddq_s32(x, vshrq_n_s32(vandq_s32(x, s.right_shift), 31));
    x = vrshlq_s32(x, s.right_shift);
    x = vaddq_n_s32(x, out_.offset);
    x = vmaxq_s32(x, vdupq_n_s32(out_.act_min));
    return vminq_s32(x, vdupq_n_s32(out_.act_max));
  }

  // Requantizes acc, whose lane i holds channel c + i * kStep, and stores lane i to y[i * kStep]:
  // all four lanes, or (kTail) those `pred` selects.
  template <int kStep, bool kTail>
  void store(int32x4_t acc, int32_t c, int8_t* y, mve_pred16_t pred) const {
    const int32x4_t x = requantize(acc, scales<kStep, kTail>(c, pred));
    if (kStep == 2 && kTail) {
      vstrbq_scatter_offset_p_s32(y, vidupq_n_u32(0, 2), x, pred);
    } else if (kStep == 2) {
      vstrbq_scatter_offset_s32(y, vidupq_n_u32(0, 2), x);
    } else if (kTail) {
      vstrbq_p_s32(y, x, pred);
    } else {
      vstrbq_s32(y, x);
    }
  }

 private:
  const int32_t* multipliers_;
  const int8_t* shifts_;
  bool per_channel_;
  fast::Int8Output out_;
};

}  // namespace mve
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MVE_REQUANTIZE_H_
