// SignalPCAN: per-channel energy normalization (PCAN automatic gain control): a gain looked up
// from the noise estimate in a piecewise-quadratic table, then a "shrink" curve (x^2/4 below 2,
// x - 1 above) on the gained signal (TFLite Micro's signal library).
#include <string.h>

#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/integer_math.h"

namespace tinyforge {
namespace {

constexpr int kSnrBits = 12;    // fractional bits of the gained signal
constexpr int kOutputBits = 6;  // fractional bits of the output
// The table holds 3 coefficients per power-of-two interval of the noise estimate, from interval
// 2 (values 2..3) up to 32; lut[0..2] also serve estimates 0..2 directly.
constexpr int64_t kGainTableEntries = 4 * 32 - 6 + 3;

struct PcanData {
  int32_t snr_shift;
};

// The gain for noise estimate x, with the table's rounding (TFLM's WideDynamicFunction).
int16_t gain_of(uint32_t x, const int16_t* lut) {
  if (x <= 2) return lut[x];
  const int32_t interval = static_cast<int32_t>(bit_length32(x));
  const int16_t* c = lut + 4 * interval - 6;
  const int32_t fraction =
      static_cast<int16_t>((interval < 11 ? x << (11 - interval) : x >> (interval - 11)) & 0x3FF);
  // In 32-bit arithmetic that wraps, as TFLM's compiled code does.
  uint32_t result = static_cast<uint32_t>((static_cast<int32_t>(c[2]) * fraction) >> 5);
  result += static_cast<uint32_t>(c[1]) << 5;
  result *= static_cast<uint32_t>(fraction);
  const int32_t rounded = static_cast<int32_t>(result + (1u << 14)) >> 15;
  return static_cast<int16_t>(rounded + c[0]);
}

uint32_t shrink(uint32_t x) {
  if (x < (2u << kSnrBits)) return (x * x) >> (2 + 2 * kSnrBits - kOutputBits);
  return (x >> (kSnrBits - kOutputBits)) - (1u << kOutputBits);
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 3, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), noise = ctx.input(1), lut = ctx.input(2);
  const TensorView output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, noise, "noise estimate", DataType::kUInt32, 1)) !=
          Status::kOk ||
      (s = signal::expect_tensor(ctx, lut, "gain table", DataType::kInt16, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_elements(ctx, noise, "noise estimate", input.elements())) !=
          Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", input.elements())) != Status::kOk)
    return s;
  if (lut.elements() < kGainTableEntries) {
    ctx.fail(Status::kMalformedModel, "gain table has ");
    ctx.message().add(lut.elements()).add(" entries, expected ").add(kGainTableEntries);
    return Status::kMalformedModel;
  }
  FlexbufferMap options;
  int32_t snr_shift;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "snr_shift", 0, 63, &snr_shift)) != Status::kOk)
    return s;
  ctx.allow_in_place(0, 0);
  auto* data = ctx.allocate_persistent<PcanData>();
  if (ctx.sizing()) return Status::kOk;
  data->snr_shift = snr_shift;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const int32_t snr_shift = ctx.persistent<PcanData>()->snr_shift;
  const TensorView input = ctx.input(0);
  const uint32_t* in = input.as<uint32_t>();
  const uint32_t* noise = ctx.input(1).as<uint32_t>();
  const int16_t* lut = ctx.input(2).as<int16_t>();
  uint32_t* out = ctx.output(0).as<uint32_t>();
  for (int64_t i = 0; i < input.elements(); ++i) {
    const uint32_t gain = static_cast<uint32_t>(static_cast<int32_t>(gain_of(noise[i], lut)));
    const uint32_t snr = static_cast<uint32_t>((static_cast<uint64_t>(in[i]) * gain) >> snr_shift);
    out[i] = shrink(snr);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalPCAN = {
    custom_op_code(CustomOp::kSignalPCAN), 1, 1, prepare, eval, false};

}  // namespace tinyforge
