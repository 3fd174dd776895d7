// TRANSPOSE: output[i0, ..., in-1] = input[j] where j[perm[k]] = ik; perm is a constant int32 or
// int64 permutation of the input's dimensions (rank up to 6). Any dtype; quantized tensors keep
// their scale and zero point.

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::index_value;
using movement::is_index_type;

struct TransposeData {
  int rank;
  int32_t element_size;
  int32_t out_dims[kMaxRank];
  int64_t in_step[kMaxRank];  // input elements skipped per step of output dimension k
};

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (input, perm) and one output");
  const TensorView input = ctx.input(0), perm = ctx.input(1), output = ctx.output(0);
  if (!input.present() || !perm.present())
    return ctx.fail(Status::kMalformedModel, "input and perm are required");
  Status s = check_like(ctx, input, output, "input");
  if (s != Status::kOk) return s;
  if (!is_index_type(perm.type) || perm.rank != 1 || perm.dim(0) != input.rank)
    return ctx.fail(Status::kMalformedModel,
                    "perm must be an int32/int64 vector of the input rank");
  if (!perm.is_constant) return ctx.fail(Status::kUnsupported, "perm must be constant");
  if (output.rank != input.rank)
    return ctx.fail(Status::kMalformedModel, "input and output ranks differ");
  TransposeData d = {};
  d.rank = input.rank;
  d.element_size = static_cast<int32_t>(dtype_size(input.type));
  int64_t in_stride[kMaxRank];
  int64_t stride = 1;
  for (int k = input.rank - 1; k >= 0; --k) {
    in_stride[k] = stride;
    stride *= input.dim(k);
  }
  bool used[kMaxRank] = {};
  for (int k = 0; k < input.rank; ++k) {
    const int64_t p = index_value(perm, k);
    if (p < 0 || p >= input.rank || used[p])
      return ctx.fail(Status::kMalformedModel, "perm is not a permutation of the dimensions");
    used[p] = true;
    if (output.dim(k) != input.dim(static_cast<int>(p)))
      return ctx.fail(Status::kMalformedModel, "output shape is not the permuted input shape");
    d.out_dims[k] = output.dim(k);
    d.in_step[k] = in_stride[p];
  }
  auto* data = ctx.allocate_persistent<TransposeData>();
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const TransposeData& d = *ctx.persistent<TransposeData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (output.elements() == 0) return Status::kOk;
  movement::gather_strided(d.element_size, d.rank, d.out_dims, d.in_step, input.data, output.data);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TRANSPOSE = {
    static_cast<int32_t>(tflite::BuiltinOperator::TRANSPOSE), 1, 7, prepare, eval, false};

}  // namespace tinyforge
