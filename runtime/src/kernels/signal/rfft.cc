// SignalRfft: the real FFT of each frame (the last dimension) of int16 samples, zero-padded to
// fft_length, as int16 (re, im) pairs for bins 0..fft_length/2, with kissfft's fixed-point
// arithmetic (signal/rfft_q15.h) as TFLite Micro computes it. Only the int16 form (option T = 7).
#include <string.h>

#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/rfft_q15.h"

namespace tinyforge {
namespace {

constexpr int32_t kTfLiteInt16 = 7;  // tflite::TensorType INT16, the option T

struct RfftData {
  int32_t fft_length;
  int32_t frame_length;  // input samples per frame
  int32_t frames;
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  Status s = signal::expect_operands(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if ((s = signal::expect_tensor(ctx, input, "input", DataType::kInt16, -1)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kInt16, input.rank)) !=
          Status::kOk)
    return s;
  FlexbufferMap options;
  int32_t type, fft_length;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::int_option(ctx, options, "T", kTfLiteInt16, kTfLiteInt16, &type)) !=
          Status::kOk ||
      (s = signal::int_option(ctx, options, "fft_length", kMinRfftLength, kMaxRfftLength,
                              &fft_length)) != Status::kOk)
    return s;
  if (!rfft_q15_length_supported(fft_length))
    return ctx.fail(Status::kUnsupported, "fft_length must be a power of two");
  const int32_t frame_length = input.dim(-1);
  if (frame_length > fft_length)
    return ctx.fail(Status::kMalformedModel, "frames are longer than fft_length");
  const int64_t frames = input.elements() / frame_length;
  if ((s = signal::expect_elements(ctx, output, "output", frames * (fft_length + 2))) !=
      Status::kOk)
    return s;
  // The padded frame, then the half-length complex FFT's values.
  ctx.request_scratch(sizeof(int16_t) * fft_length + sizeof(ComplexQ15) * (fft_length / 2));
  auto* data = ctx.allocate_persistent<RfftData>();
  if (ctx.sizing()) return Status::kOk;
  *data = {fft_length, frame_length, static_cast<int32_t>(frames)};
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const RfftData& d = *ctx.persistent<RfftData>();
  const int16_t* in = ctx.input(0).as<int16_t>();
  ComplexQ15* out = ctx.output(0).as<ComplexQ15>();
  int16_t* padded = static_cast<int16_t*>(ctx.scratch());
  ComplexQ15* work = reinterpret_cast<ComplexQ15*>(padded + d.fft_length);
  for (int32_t f = 0; f < d.frames; ++f) {
    memcpy(padded, in + static_cast<int64_t>(f) * d.frame_length, sizeof(int16_t) * d.frame_length);
    memset(padded + d.frame_length, 0, sizeof(int16_t) * (d.fft_length - d.frame_length));
    rfft_q15(padded, d.fft_length, work, out + static_cast<int64_t>(f) * (d.fft_length / 2 + 1));
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_SignalRfft = {
    custom_op_code(CustomOp::kSignalRfft), 1, 1, prepare, eval, false};

}  // namespace tinyforge
