// FULLY_CONNECTED, int8, with MVE: four output units per pass over the input row, 16 inputs per
// VMLADAVA (mve/dot.h), and the input offset folded into a per-unit corrected bias computed in
// prepare. Everything else (float, int16, a filter zero point, non-constant weights) goes to the
// reference kernel.
//
// Exactness: the reference sums (x + input_offset) * w in int32 and adds the bias; this kernel
// adds sum x * w to bias + input_offset * sum w, the same value modulo 2^32, and the
// requantization is TFLite's (mve/requantize.h).
#include "kernels/fully_connected_common.h"
#include "kernels/kernel.h"
#include "kernels/mve/dot.h"
#include "kernels/mve/requantize.h"
#include "kernels/mve/state.h"

namespace tinyforge {

extern const KernelRegistration kKernel_FULLY_CONNECTED;

namespace {

using fully_connected::FullyConnectedData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  mve::MveHeader* header;
  const Status s = mve::prepare_with_reference(ctx, kKernel_FULLY_CONNECTED, &header);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), filter = ctx.input(1), bias = ctx.input(2);
  if (input.type != DataType::kInt8 || filter.zero_point() != 0 ||
      !mve::constant_weights(filter, bias))
    return Status::kOk;
  const int32_t units = filter.dim(0), depth = filter.dim(1);
  mve::allocate_corrected_bias(ctx, header, bias, filter, units, depth, depth, 1,
                               -input.zero_point());
  mve::use_fast_path(ctx, header);
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const auto& header = *ctx.persistent<mve::MveHeader>();
  if (!header.fallback.use_fast_path) return fast::eval_reference(ctx, kKernel_FULLY_CONNECTED);
  const auto& d = mve::reference_state<FullyConnectedData>(header);
  const int8_t* input = ctx.input(0).as<int8_t>();
  const int8_t* filter = ctx.input(1).as<int8_t>();
  int8_t* output = ctx.output(0).as<int8_t>();
  const mve::Requantizer rq(d.multipliers(), d.num_multipliers != 1,
                            fast::Int8Output{d.output_offset, d.act_min, d.act_max});
  mve::matrix_times_filter(input, d.depth, d.batches, filter, header.corrected_bias, d.depth,
                           d.units, rq, output, d.units);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kMveKernel_FULLY_CONNECTED = {
    static_cast<int32_t>(tflite::BuiltinOperator::FULLY_CONNECTED), 1, 12, prepare, eval, false};

}  // namespace tinyforge
