// The persistent state of the reference FULLY_CONNECTED (its first allocation), which the fast
// kernels read too.
#ifndef TINYFORGE_KERNELS_FULLY_CONNECTED_COMMON_H_
#define TINYFORGE_KERNELS_FULLY_CONNECTED_COMMON_H_

#include <stdint.h>

#include "kernels/quant_math.h"

namespace tinyforge {
namespace fully_connected {

struct FullyConnectedData {
  int32_t batches;
  int32_t depth;
  int32_t units;
  int32_t input_offset;
  int32_t filter_offset;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
  int32_t num_multipliers;    // 1 (per tensor) or units (per channel)
  int32_t* multiplier_block;  // ChannelMultipliers of num_multipliers channels
  ChannelMultipliers multipliers() const {
    return ChannelMultipliers::in(multiplier_block, num_multipliers);
  }
};

}  // namespace fully_connected
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_FULLY_CONNECTED_COMMON_H_
