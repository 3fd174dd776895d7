// SignalFilterBank: mel-style triangular filters over a uint32 energy spectrum, accumulated in
// uint64 (TFLite Micro's signal library). Inputs 1..5 describe the filters: weights and
// "unweights" (1 - weight, for the next channel's rising edge), and per channel (num_channels + 1
// entries, the first only feeding channel 0's rising edge) the first spectrum bin, the first
// weight and the number of bins.
#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"

namespace tinyforge {
namespace {

enum Input { kSpectrum, kWeights, kUnweights, kFrequencyStarts, kWeightStarts, kWidths };

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 6, 1);
  if (s != Status::kOk) return s;
  const TensorView spectrum = ctx.input(kSpectrum), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, spectrum, "input", DataType::kUInt32, 1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kUInt64, 1)) != Status::kOk)
    return s;
  FlexbufferMap options;
  int32_t channels;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "num_channels", 1, 4096, &channels)) != Status::kOk ||
      (s = signal::expect_elements(ctx, output, "output", channels)) != Status::kOk)
    return s;
  const char* names[] = {"",
                         "weights",
                         "unweights",
                         "channel_frequency_starts",
                         "channel_weight_starts",
                         "channel_widths"};
  for (int i = kWeights; i <= kWidths; ++i) {
    const TensorView t = ctx.input(i);
    if ((s = signal::expect_tensor(ctx, t, names[i], DataType::kInt16, 1)) != Status::kOk) return s;
    // The filters are checked once here, so eval() needs no bounds checks.
    if (!t.is_constant) {
      ctx.fail(Status::kUnsupported, names[i]);
      ctx.message().add(" must be a constant");
      return Status::kUnsupported;
    }
    if (i >= kFrequencyStarts &&
        (s = signal::expect_elements(ctx, t, names[i], channels + 1)) != Status::kOk)
      return s;
  }
  const TensorView weights = ctx.input(kWeights), unweights = ctx.input(kUnweights);
  const int16_t* frequency_starts = ctx.input(kFrequencyStarts).as<int16_t>();
  const int16_t* weight_starts = ctx.input(kWeightStarts).as<int16_t>();
  const int16_t* widths = ctx.input(kWidths).as<int16_t>();
  for (int32_t c = 0; c <= channels; ++c) {
    const int64_t width = widths[c], frequency = frequency_starts[c], weight = weight_starts[c];
    if (width < 0 || frequency < 0 || weight < 0 || frequency + width > spectrum.elements() ||
        weight + width > weights.elements() || weight + width > unweights.elements()) {
      ctx.fail(Status::kMalformedModel, "filter ");
      ctx.message().add(c).add(" reaches outside the spectrum or the weights");
      return Status::kMalformedModel;
    }
  }
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const uint32_t* spectrum = ctx.input(kSpectrum).as<uint32_t>();
  const int16_t* weights = ctx.input(kWeights).as<int16_t>();
  const int16_t* unweights = ctx.input(kUnweights).as<int16_t>();
  const int16_t* frequency_starts = ctx.input(kFrequencyStarts).as<int16_t>();
  const int16_t* weight_starts = ctx.input(kWeightStarts).as<int16_t>();
  const int16_t* widths = ctx.input(kWidths).as<int16_t>();
  const TensorView output = ctx.output(0);
  uint64_t* out = output.as<uint64_t>();
  const int64_t channels = output.elements();
  // Each bin adds to two channels: weighted to the current one, unweighted to the next one, whose
  // sum starts from that carry. TFLM's arithmetic is modulo 2^64, weights sign-extended.
  uint64_t carry = 0;
  for (int64_t c = 0; c <= channels; ++c) {
    uint64_t current = carry, next = 0;
    const uint32_t* bins = spectrum + frequency_starts[c];
    const int32_t first = weight_starts[c];
    for (int32_t j = 0; j < widths[c]; ++j) {
      current += static_cast<uint64_t>(static_cast<int64_t>(weights[first + j])) * bins[j];
      next += static_cast<uint64_t>(static_cast<int64_t>(unweights[first + j])) * bins[j];
    }
    if (c > 0) out[c - 1] = current;
    carry = next;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalFilterBank = {
    custom_op_code(CustomOp::kSignalFilterBank), 1, 1, prepare, eval, false};

}  // namespace tinyforge
