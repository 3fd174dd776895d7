// ADD and SUB, int8, without broadcasting, for the Cortex-M DSP extension: TFLite's general
// rescaling (both inputs shifted left 20 bits, scaled to twice the larger input scale, added,
// rescaled to the output) with each of the three multiplications an SMMLAR and one rounding add
// (fast::ShortMultiplier), instead of 64-bit products. Broadcasting, int16, int32 and float go to
// the reference kernel.
//
// Exactness: |x + offset| <= 255, so the shifted inputs stay below 2^28, the scaled ones (each
// multiplier below one) too, and their sum or difference below 2^29: inside the 2^30 that
// ShortMultiplier needs. The input multipliers are at most 0.5 and the output multiplier below
// one, so every shift is a right shift (of 0 .. 30 bits, checked in prepare).
#include "kernels/arm/fallback.h"
#include "kernels/arm/requantize.h"
#include "kernels/binary_common.h"
#include "kernels/kernel.h"

namespace tinyforge {

extern const KernelRegistration kKernel_ADD;
extern const KernelRegistration kKernel_SUB;

namespace {

template <bool kSub>
const KernelRegistration& reference() {
  return kSub ? kKernel_SUB : kKernel_ADD;
}

template <bool kSub>
[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, reference<kSub>(), &header);
  if (s != Status::kOk || header == nullptr) return s;
  const auto& d = *static_cast<const AddSubData*>(header->reference_state);
  const TensorView a = ctx.input(0), b = ctx.input(1), out = ctx.output(0);
  header->use_fast_path = out.type == DataType::kInt8 && a.elements() == out.elements() &&
                          b.elements() == out.elements() && d.left_shift == 20 &&
                          fast::ShortMultiplier::applies(d.input1_multiplier) &&
                          fast::ShortMultiplier::applies(d.input2_multiplier) &&
                          fast::ShortMultiplier::applies(d.output_multiplier);
  return Status::kOk;
}

template <bool kSub>
void eval_int8(const AddSubData& d, const int8_t* a, const int8_t* b, int8_t* y, int64_t count) {
  const fast::ShortMultiplier m1 = fast::ShortMultiplier::of(d.input1_multiplier);
  const fast::ShortMultiplier m2 = fast::ShortMultiplier::of(d.input2_multiplier);
  const fast::ShortMultiplier mo = fast::ShortMultiplier::of(d.output_multiplier);
  const int32_t offset1 = d.input1_offset, offset2 = d.input2_offset;
  const int32_t output_offset = d.output_offset, act_min = d.act_min, act_max = d.act_max;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t scaled1 = m1((a[i] + offset1) * (int32_t{1} << 20));
    const int32_t scaled2 = m2((b[i] + offset2) * (int32_t{1} << 20));
    const int32_t result = mo(kSub ? scaled1 - scaled2 : scaled1 + scaled2) + output_offset;
    y[i] = static_cast<int8_t>(clamp32(result, act_min, act_max));
  }
}

template <bool kSub>
Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, reference<kSub>());
  const TensorView out = ctx.output(0);
  eval_int8<kSub>(*static_cast<const AddSubData*>(header->reference_state),
                  ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(), out.as<int8_t>(),
                  out.elements());
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_ADD = {
    static_cast<int32_t>(tflite::BuiltinOperator::ADD), 1, 5, prepare<false>, eval<false>, false};
extern const KernelRegistration kDspKernel_SUB = {
    static_cast<int32_t>(tflite::BuiltinOperator::SUB), 1, 5, prepare<true>, eval<true>, false};

}  // namespace tinyforge
