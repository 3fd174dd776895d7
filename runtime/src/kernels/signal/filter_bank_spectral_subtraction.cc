// SignalFilterBankSpectralSubtraction: tracks a per-channel noise estimate with a one-pole
// low-pass filter (odd channels may use an alternate coefficient) and subtracts it, keeping at
// least a floor fraction of the signal (TFLite Micro's signal library). The estimate is state:
// it lives in the kernel's persistent memory across invokes, Interpreter::reset_state() zeroes it,
// and output 1 is a copy of it.
#include <string.h>

#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"

namespace tinyforge {
namespace {

struct SubtractionData {
  uint32_t smoothing;
  uint32_t one_minus_smoothing;
  uint32_t alternate_smoothing;
  uint32_t alternate_one_minus_smoothing;
  uint32_t min_signal_remaining;
  uint32_t smoothing_bits;
  uint32_t spectral_subtraction_bits;
  bool clamping;
  int32_t channels;
  // followed by `channels` uint32 noise estimates
  uint32_t* estimates() { return reinterpret_cast<uint32_t*>(this + 1); }
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 1, 2);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0), noise = ctx.output(1);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, noise, "output 1 (the noise estimate)", DataType::kUInt32,
                                 1)) != Status::kOk)
    return s;
  FlexbufferMap options;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk) return s;
  constexpr int64_t kU32 = INT32_MAX;  // TFLM reads these as int32
  int32_t v[9];
  const char* const keys[9] = {"smoothing",
                               "one_minus_smoothing",
                               "alternate_smoothing",
                               "alternate_one_minus_smoothing",
                               "min_signal_remaining",
                               "smoothing_bits",
                               "spectral_subtraction_bits",
                               "num_channels",
                               "clamping"};
  const int64_t max[9] = {kU32, kU32, kU32, kU32, kU32, 31, 63, 65535, 1};
  for (int i = 0; i < 9; ++i) {
    if ((s = signal::int_option(ctx, options, keys[i], 0, max[i], &v[i])) != Status::kOk) return s;
  }
  const int32_t channels = v[7];
  if ((s = signal::expect_elements(ctx, input, "input", channels)) != Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", channels)) != Status::kOk ||
      (s = signal::expect_elements(ctx, noise, "output 1 (the noise estimate)", channels)) !=
          Status::kOk)
    return s;
  // Each channel is read before its output is written.
  ctx.allow_in_place(0, 0);
  auto* data = static_cast<SubtractionData*>(
      ctx.allocate_persistent(sizeof(SubtractionData) + sizeof(uint32_t) * channels));
  if (ctx.sizing()) return Status::kOk;
  data->smoothing = static_cast<uint32_t>(v[0]);
  data->one_minus_smoothing = static_cast<uint32_t>(v[1]);
  data->alternate_smoothing = static_cast<uint32_t>(v[2]);
  data->alternate_one_minus_smoothing = static_cast<uint32_t>(v[3]);
  data->min_signal_remaining = static_cast<uint32_t>(v[4]);
  data->smoothing_bits = static_cast<uint32_t>(v[5]);
  data->spectral_subtraction_bits = static_cast<uint32_t>(v[6]);
  data->channels = channels;
  data->clamping = v[8] != 0;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  SubtractionData& d = *ctx.persistent<SubtractionData>();
  const uint32_t* in = ctx.input(0).as<uint32_t>();
  uint32_t* out = ctx.output(0).as<uint32_t>();
  uint32_t* estimates = d.estimates();
  for (int32_t i = 0; i < d.channels; ++i) {
    const bool odd = (i & 1) != 0;
    const uint64_t smoothing = odd ? d.alternate_smoothing : d.smoothing;
    const uint64_t keep = odd ? d.alternate_one_minus_smoothing : d.one_minus_smoothing;
    const uint32_t signal = in[i] << d.smoothing_bits;
    estimates[i] = static_cast<uint32_t>((signal * smoothing + estimates[i] * keep) >>
                                         d.spectral_subtraction_bits);
    uint32_t estimate = estimates[i];
    if (estimate > signal) {
      estimate = signal;
      if (d.clamping) estimates[i] = estimate;
    }
    const uint32_t floor = static_cast<uint32_t>(
        (static_cast<uint64_t>(in[i]) * d.min_signal_remaining) >> d.spectral_subtraction_bits);
    const uint32_t subtracted = (signal - estimate) >> d.smoothing_bits;
    out[i] = subtracted > floor ? subtracted : floor;
  }
  memcpy(ctx.output(1).data, estimates, sizeof(uint32_t) * d.channels);
  return Status::kOk;
}

void reset(EvalContext& ctx) {
  SubtractionData& d = *ctx.persistent<SubtractionData>();
  memset(d.estimates(), 0, sizeof(uint32_t) * d.channels);
}

}  // namespace

extern const KernelRegistration kKernel_SignalFilterBankSpectralSubtraction = {
    custom_op_code(CustomOp::kSignalFilterBankSpectralSubtraction),
    1,
    1,
    prepare,
    eval,
    false,
    reset};

}  // namespace tinyforge
