// FULLY_CONNECTED, int8, with the DSP extension's dual 16-bit multiply-accumulate: four output
// units per pass over the input, so each group of four inputs is loaded, sign-extended and offset
// once for four rows. Everything else (float, int16, a filter zero point) goes to the reference.
//
// Exactness: the reference sums (x + input_offset) * w in int32 and adds the bias; this kernel
// adds the same products in another order, starting from the bias. Both wrap modulo 2^32, so the
// accumulators are identical, and the requantization is TFLite's.
#include "kernels/arm/fallback.h"
#include "kernels/arm/requantize.h"
#include "kernels/arm/simd.h"
#include "kernels/fully_connected_common.h"
#include "kernels/kernel.h"

namespace tinyforge {

extern const KernelRegistration kKernel_FULLY_CONNECTED;

namespace {

using fully_connected::FullyConnectedData;

constexpr int kRows = 4;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, kKernel_FULLY_CONNECTED, &header);
  if (s != Status::kOk || header == nullptr) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1);
  header->use_fast_path = input.type == DataType::kInt8 && filter.zero_point() == 0;
  if (!header->use_fast_path) return Status::kOk;
  const auto& d = *static_cast<const FullyConnectedData*>(header->reference_state);
  header->short_accumulators = fast::short_requantization_applies(
      filter, ctx.input(2), d.multipliers(), d.num_multipliers != 1, d.units, d.depth, d.depth, 1,
      d.input_offset);
  return Status::kOk;
}

// One input row against kRows filter rows (the last ones repeated when fewer remain), adding to
// acc[r] (which starts as the bias).
__attribute__((noinline)) void dot_rows(const int8_t* x, const int8_t* const* w, int32_t depth,
                                        int32_t input_offset, int32_t* acc) {
  const uint32_t offset2 = simd::both_halves(input_offset);
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
  const int8_t* const x_end = x + (depth & ~3);
  while (x != x_end) {
    const uint32_t x4 = simd::load_word(x);
    x += 4;
    const uint32_t x_even = simd::sxtab16(offset2, x4);
    const uint32_t x_odd = simd::sxtab16_odd(offset2, x4);
    uint32_t w4 = simd::load_word(w0);
    w0 += 4;
    a0 = simd::smlad(simd::sxtb16(w4), x_even, simd::smlad(simd::sxtb16_odd(w4), x_odd, a0));
    w4 = simd::load_word(w1);
    w1 += 4;
    a1 = simd::smlad(simd::sxtb16(w4), x_even, simd::smlad(simd::sxtb16_odd(w4), x_odd, a1));
    w4 = simd::load_word(w2);
    w2 += 4;
    a2 = simd::smlad(simd::sxtb16(w4), x_even, simd::smlad(simd::sxtb16_odd(w4), x_odd, a2));
    w4 = simd::load_word(w3);
    w3 += 4;
    a3 = simd::smlad(simd::sxtb16(w4), x_even, simd::smlad(simd::sxtb16_odd(w4), x_odd, a3));
  }
  for (int32_t i = 0; i < (depth & 3); ++i) {
    const int32_t xi = x[i] + input_offset;
    a0 = wrapping_add(a0, xi * w0[i]);
    a1 = wrapping_add(a1, xi * w1[i]);
    a2 = wrapping_add(a2, xi * w2[i]);
    a3 = wrapping_add(a3, xi * w3[i]);
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

void eval_int8(const FullyConnectedData& d, bool short_accumulators, const int8_t* input,
               const int8_t* filter, const int32_t* bias, int8_t* output) {
  const fast::Int8Output out{d.output_offset, d.act_min, d.act_max, short_accumulators};
  const ChannelMultipliers multipliers = d.multipliers();
  for (int32_t b = 0; b < d.batches; ++b) {
    const int8_t* x = input + static_cast<int64_t>(b) * d.depth;
    int8_t* y = output + static_cast<int64_t>(b) * d.units;
    for (int32_t o = 0; o < d.units; o += kRows) {
      const int8_t* rows[kRows];
      int32_t acc[kRows];
      for (int r = 0; r < kRows; ++r) {
        const int32_t unit = o + r < d.units ? o + r : d.units - 1;
        rows[r] = filter + static_cast<int64_t>(unit) * d.depth;
        acc[r] = bias != nullptr ? bias[unit] : 0;
      }
      dot_rows(x, rows, d.depth, d.input_offset, acc);
      for (int r = 0; r < kRows && o + r < d.units; ++r) {
        const QuantizedMultiplier m = multipliers[d.num_multipliers == 1 ? 0 : o + r];
        y[o + r] = fast::requantize_int8(acc[r], m, out);
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, kKernel_FULLY_CONNECTED);
  const auto& d = *static_cast<const FullyConnectedData*>(header->reference_state);
  eval_int8(d, header->short_accumulators, ctx.input(0).as<int8_t>(), ctx.input(1).as<int8_t>(),
            ctx.input(2).as<int32_t>(), ctx.output(0).as<int8_t>());
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_FULLY_CONNECTED = {
    static_cast<int32_t>(tflite::BuiltinOperator::FULLY_CONNECTED), 1, 12, prepare, eval, false};

}  // namespace tinyforge
