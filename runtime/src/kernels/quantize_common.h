// The persistent state of QUANTIZE (a header of its own so generated code can name it,
// docs/aot.md).
#ifndef TINYFORGE_KERNELS_QUANTIZE_COMMON_H_
#define TINYFORGE_KERNELS_QUANTIZE_COMMON_H_

#include <stdint.h>

#include "kernels/quant_math.h"

namespace tinyforge {

struct QuantizeData {
  int32_t size;
  float output_scale;
  int32_t input_zero_point;
  int32_t output_zero_point;
  QuantizedMultiplier multiplier;
};

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_QUANTIZE_COMMON_H_
