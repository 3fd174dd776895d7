// Shared checks and helpers of the elementwise binary kernels (ADD, SUB, MUL, MINIMUM, MAXIMUM,
// PRELU).
#ifndef TINYFORGE_KERNELS_BINARY_COMMON_H_
#define TINYFORGE_KERNELS_BINARY_COMMON_H_

#include <stdint.h>

#include "kernels/broadcast.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {

// The persistent state of the reference ADD and SUB (their first allocation), which the fast
// kernels read too.
struct AddSubData {
  BroadcastShape shape;
  int32_t left_shift;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  QuantizedMultiplier input1_multiplier;
  QuantizedMultiplier input2_multiplier;
  QuantizedMultiplier output_multiplier;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

// Two inputs, one output, and the broadcast of the inputs to the output.
inline Status prepare_binary_shape(PrepareContext& ctx, BroadcastShape* shape) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects two inputs and one output");
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  if (!a.present() || !b.present() || !out.present())
    return ctx.fail(Status::kMalformedModel, "inputs and output must be present");
  const BroadcastCheck check = make_broadcast_shape(a, b, out, shape);
  if (check != BroadcastCheck::kOk)
    return ctx.fail(
        check == BroadcastCheck::kRankTooLarge ? Status::kUnsupported : Status::kMalformedModel,
        broadcast_check_message(check));
  return Status::kOk;
}

// A usable per-tensor quantization: one positive, finite scale and a zero point inside the
// dtype's range.
inline bool valid_per_tensor_quantization(const TensorView& t) {
  if (t.num_scales != 1) return false;
  const float scale = t.scale();
  if (!(scale > 0.0f) || !(scale <= 3.402823466e+38f)) return false;
  int32_t lo, hi;
  dtype_range(t.type, &lo, &hi);
  const int32_t zp = t.zero_point();
  return zp >= lo && zp <= hi;
}

// Multipliers from quantize_multiplier() whose left shift the int32 helpers can apply.
inline bool multiplier_in_range(const QuantizedMultiplier& m) { return m.shift <= 30; }

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_BINARY_COMMON_H_
