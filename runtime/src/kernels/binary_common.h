// Shared checks and helpers of the elementwise binary kernels (ADD, SUB, MUL, MINIMUM, MAXIMUM,
// PRELU).
#ifndef TINYFORGE_KERNELS_BINARY_COMMON_H_
#define TINYFORGE_KERNELS_BINARY_COMMON_H_

#include <stdint.h>

#include "kernels/broadcast.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {

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

// TFLite's CalculateActivationRange for int32 outputs.
inline bool int32_activation_range(tflite::ActivationFunctionType activation, int32_t* act_min,
                                   int32_t* act_max) {
  switch (activation) {
    case tflite::ActivationFunctionType::NONE:
      *act_min = INT32_MIN;
      *act_max = INT32_MAX;
      return true;
    case tflite::ActivationFunctionType::RELU:
      *act_min = 0;
      *act_max = INT32_MAX;
      return true;
    case tflite::ActivationFunctionType::RELU6:
      *act_min = 0;
      *act_max = 6;
      return true;
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
      *act_min = -1;
      *act_max = 1;
      return true;
    default:
      return false;
  }
}

// Two's-complement wrapping int32 arithmetic (what TFLM's plain int32 kernels produce on
// every target), without signed-overflow undefined behaviour.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t wrapping_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// Multipliers from quantize_multiplier() whose left shift the int32 helpers can apply.
inline bool multiplier_in_range(const QuantizedMultiplier& m) { return m.shift <= 30; }

}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_BINARY_COMMON_H_
