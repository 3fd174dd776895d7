// STRIDED_SLICE: output[i0, i1, ...] = input[start0 + i0 * stride0, start1 + i1 * stride1, ...],
// with begin, end and strides constant and one entry per input dimension. Start and stop of each
// axis follow TFLite's index computation: negative indices count from the end, values are
// clamped to the axis (to [0, size] going forward, [-1, size - 1] going backward), begin_mask /
// end_mask take the whole axis, offset makes end relative to begin, and shrink_axis_mask takes
// the single element at begin and drops the axis. ellipsis_mask and new_axis_mask are refused
// (TFLite Micro ignores them, which would silently give a different slice).
#include <math.h>

#include "kernels/kernel.h"
#include "kernels/movement_common.h"

namespace tinyforge {
namespace {

using movement::check_like;
using movement::index_value;
using movement::is_index_type;

struct SliceData {
  int rank;
  int32_t element_size;
  int32_t start[kMaxRank];
  int32_t stride[kMaxRank];
  int32_t count[kMaxRank];
  int64_t in_stride[kMaxRank];  // elements
};

int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// First index visited along an axis, as TFLite's reference kernel computes it.
int64_t start_for_axis(int64_t begin, int64_t stride, int64_t size, bool begin_masked) {
  if (begin < 0) begin += size;
  begin = stride > 0 ? clamp64(begin, 0, size) : clamp64(begin, -1, size - 1);
  if (begin_masked) begin = stride > 0 ? 0 : size - 1;
  return begin;
}

// The index the axis stops before, as TFLite's reference kernel computes it.
int64_t stop_for_axis(int64_t end, int64_t stride, int64_t size, int64_t start, bool end_masked,
                      bool shrink, bool offset) {
  if (shrink) return start >= size ? start : start + 1;
  if (offset) end += start;
  if (end < 0) end += size;
  end = stride > 0 ? clamp64(end, 0, size) : clamp64(end, -1, size - 1);
  if (end_masked) end = stride > 0 ? size : -1;
  return end;
}

// Number of indices start, start + stride, ... strictly before stop.
int64_t visit_count(int64_t start, int64_t stop, int64_t stride) {
  if (stride > 0) return start < stop ? (stop - start + stride - 1) / stride : 0;
  return start > stop ? (start - stop + (-stride) - 1) / (-stride) : 0;
}

// The output size TFLite Micro's prepare expects for a non-shrunk axis (its StartForAxis /
// StopForAxis and a float ceil), so that models it refuses are refused here too.
int32_t tflm_dim(int64_t begin, int64_t end, int64_t stride, int64_t size, bool begin_masked,
                 bool end_masked) {
  if (size == 0) return 0;
  int64_t b = begin_masked ? (stride > 0 ? INT32_MIN : INT32_MAX) : begin;
  if (b < 0) b += size;
  b = stride > 0 ? clamp64(b, 0, size) : clamp64(b, -1, size - 1);
  int64_t e = end_masked ? (stride > 0 ? INT32_MAX : INT32_MIN) : end;
  if (e < 0) e += size;
  e = stride > 0 ? clamp64(e, 0, size) : clamp64(e, -1, size - 1);
  const float q = static_cast<float>(static_cast<int32_t>(e - b)) / static_cast<float>(stride);
  const int32_t dim = static_cast<int32_t>(ceilf(q));
  return dim < 0 ? 0 : dim;
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 4 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (input, begin, end, strides) and one output");
  const TensorView input = ctx.input(0), begin = ctx.input(1), end = ctx.input(2),
                   strides = ctx.input(3), output = ctx.output(0);
  if (!input.present()) return ctx.fail(Status::kMalformedModel, "input is missing");
  Status s = check_like(ctx, input, output, "input");
  if (s != Status::kOk) return s;
  const TensorView indices[3] = {begin, end, strides};
  for (const TensorView& t : indices) {
    if (!t.present() || !is_index_type(t.type) || t.rank != 1 || t.dim(0) != input.rank)
      return ctx.fail(Status::kMalformedModel,
                      "begin, end and strides must be int32/int64 vectors of the input rank");
    if (!t.is_constant)
      return ctx.fail(Status::kUnsupported, "begin, end and strides must be constant");
  }
  const auto* options = ctx.op().builtin_options_as_StridedSliceOptions();
  const int32_t begin_mask = options ? options->begin_mask() : 0;
  const int32_t end_mask = options ? options->end_mask() : 0;
  const int32_t shrink_mask = options ? options->shrink_axis_mask() : 0;
  const bool offset = options ? options->offset() : false;
  if (options && (options->ellipsis_mask() != 0 || options->new_axis_mask() != 0))
    return ctx.fail(Status::kUnsupported, "ellipsis_mask and new_axis_mask are not supported");

  SliceData d = {};
  d.rank = input.rank;
  d.element_size = static_cast<int32_t>(dtype_size(input.type));
  int o = 0;
  int64_t in_stride = 1;
  for (int a = input.rank - 1; a >= 0; --a) {
    d.in_stride[a] = in_stride;
    in_stride *= input.dim(a);
  }
  for (int a = 0; a < input.rank; ++a) {
    const int64_t size = input.dim(a);
    const int64_t b = index_value(begin, a), e = index_value(end, a), st = index_value(strides, a);
    if (st == 0) return ctx.fail(Status::kMalformedModel, "stride value has to be non-zero");
    if (st < INT32_MIN + 1 || st > INT32_MAX || b < INT32_MIN || b > INT32_MAX || e < INT32_MIN ||
        e > INT32_MAX)
      return ctx.fail(Status::kMalformedModel, "begin, end or stride out of the int32 range");
    const bool bm = (begin_mask >> a) & 1, em = (end_mask >> a) & 1,
               shrink = (shrink_mask >> a) & 1;
    const int64_t start = start_for_axis(b, st, size, bm);
    const int64_t stop = stop_for_axis(e, st, size, start, em, shrink, offset);
    const int64_t count = visit_count(start, stop, st);
    d.start[a] = static_cast<int32_t>(start);
    d.stride[a] = static_cast<int32_t>(st);
    d.count[a] = static_cast<int32_t>(count);
    if (shrink) {
      if (count != 1)
        return ctx.fail(Status::kMalformedModel, "shrunk axis does not select one element");
      continue;
    }
    if (o >= output.rank || output.dim(o) != count)
      return ctx.fail(Status::kMalformedModel, "output shape does not match the slice");
    if (!offset && tflm_dim(b, e, st, size, bm, em) != count)
      return ctx.fail(Status::kMalformedModel, "slice size is ambiguous for this stride");
    ++o;
  }
  if (o != output.rank)
    return ctx.fail(Status::kMalformedModel, "output shape does not match the slice");

  auto* data = ctx.allocate_persistent<SliceData>();
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const SliceData& d = *ctx.persistent<SliceData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (output.elements() == 0) return Status::kOk;
  const uint8_t* first = static_cast<const uint8_t*>(input.data);
  int64_t steps[kMaxRank];
  for (int a = 0; a < d.rank; ++a) {
    first += d.start[a] * d.in_stride[a] * d.element_size;
    steps[a] = d.stride[a] * d.in_stride[a];
  }
  movement::gather_strided(d.element_size, d.rank, d.count, steps, first, output.data);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_STRIDED_SLICE = {
    static_cast<int32_t>(tflite::BuiltinOperator::STRIDED_SLICE), 1, 8, prepare, eval, false};

}  // namespace tinyforge
