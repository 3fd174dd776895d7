// BATCH_MATMUL: output[..., r, c] = sum_k lhs[..., r, k] * rhs[..., k, c], where adj_x / adj_y
// mean the operand is stored transposed, and the leading (batch) dimensions broadcast (ranks 2 to
// 5). float32, int8 (int32 accumulators) and int16 (int64 accumulators, zero points 0) with
// TFLite Micro's arithmetic: per-tensor scales, multiplier (float(lhs_scale * rhs_scale)) /
// output_scale, no fused activation. TFLM transposes operands into a layout for its loops; that
// does not change which products are summed or their order, so this kernel indexes the operands
// where they are instead.
#include "kernels/kernel.h"
#include "kernels/quant_math.h"
#include "kernels/tconv_svdf_common.h"

namespace tinyforge {
namespace {

constexpr int kBatchDims = 3;  // rank 5 = 3 batch dimensions + the matrix

struct BatchMatMulData {
  int32_t batch[kBatchDims];       // output batch dimensions (leading ones are 1)
  int64_t lhs_stride[kBatchDims];  // 0 where lhs broadcasts
  int64_t rhs_stride[kBatchDims];
  int32_t rows, cols, depth;
  // Element strides of row/depth in lhs and depth/column in rhs (adj_x / adj_y swap them).
  int32_t lhs_row_step, lhs_depth_step, rhs_depth_step, rhs_col_step;
  int32_t lhs_offset, rhs_offset, output_offset;
  QuantizedMultiplier multiplier;
};

// Dimension i of `t` seen as rank kBatchDims + 2 (leading ones added).
int32_t extended_dim(const TensorView& t, int i) {
  const int pad = kBatchDims + 2 - t.rank;
  return i < pad ? 1 : t.dim(i - pad);
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (lhs, rhs) and one output");
  const TensorView lhs = ctx.input(0), rhs = ctx.input(1), output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_BatchMatMulOptions();
  const bool adj_x = options != nullptr && options->adj_x();
  const bool adj_y = options != nullptr && options->adj_y();
  if (lhs.rank < 2 || lhs.rank > 5 || rhs.rank < 2 || rhs.rank > 5)
    return ctx.fail(Status::kUnsupported, "operands must have rank 2 to 5");

  const bool is_float = lhs.type == DataType::kFloat32;
  const bool is_int8 = lhs.type == DataType::kInt8;
  const bool is_int16 = lhs.type == DataType::kInt16;
  if (!is_float && !is_int8 && !is_int16)
    return ctx.fail(Status::kUnsupported, "operand dtype must be float32, int8 or int16");
  if (rhs.type != lhs.type || output.type != lhs.type)
    return ctx.fail(Status::kUnsupported,
                    "lhs, rhs and output must have the same dtype (hybrid models are not "
                    "supported)");

  // Matrix dimensions.
  const int32_t rows = adj_x ? lhs.dim(-1) : lhs.dim(-2);
  const int32_t depth = adj_x ? lhs.dim(-2) : lhs.dim(-1);
  const int32_t rhs_depth = adj_y ? rhs.dim(-1) : rhs.dim(-2);
  const int32_t cols = adj_y ? rhs.dim(-2) : rhs.dim(-1);
  if (depth != rhs_depth)
    return ctx.fail(Status::kMalformedModel, "lhs and rhs inner dimensions differ");

  // Batch dimensions broadcast; the output has rank max(lhs, rhs).
  const int out_rank = lhs.rank > rhs.rank ? lhs.rank : rhs.rank;
  if (output.rank != out_rank)
    return ctx.fail(Status::kMalformedModel, "output rank is not max(lhs rank, rhs rank)");
  int32_t batch[kBatchDims];
  int64_t lhs_stride[kBatchDims], rhs_stride[kBatchDims];
  int64_t lhs_size = static_cast<int64_t>(lhs.dim(-1)) * lhs.dim(-2);
  int64_t rhs_size = static_cast<int64_t>(rhs.dim(-1)) * rhs.dim(-2);
  for (int i = kBatchDims - 1; i >= 0; --i) {
    const int32_t l = extended_dim(lhs, i), r = extended_dim(rhs, i);
    if (l != r && l != 1 && r != 1)
      return ctx.fail(Status::kMalformedModel, "batch dimensions do not broadcast");
    batch[i] = l > r ? l : r;
    lhs_stride[i] = l == 1 ? 0 : lhs_size;
    rhs_stride[i] = r == 1 ? 0 : rhs_size;
    lhs_size *= l;
    rhs_size *= r;
  }
  for (int i = 0; i < out_rank - 2; ++i) {
    if (output.dim(i) != batch[kBatchDims - (out_rank - 2) + i])
      return ctx.fail(Status::kMalformedModel, "output batch dimensions do not match the operands");
  }
  if (output.dim(-2) != rows || output.dim(-1) != cols)
    return ctx.fail(Status::kMalformedModel, "output matrix shape is not [lhs rows, rhs columns]");

  QuantizedMultiplier multiplier;
  if (!is_float) {
    if (lhs.num_scales != 1 || rhs.num_scales != 1 || output.num_scales != 1)
      return ctx.fail(Status::kUnsupported, "quantized operands need one scale each");
    if (!zero_points_in_range(lhs) || !zero_points_in_range(rhs) || !zero_points_in_range(output))
      return ctx.fail(Status::kMalformedModel, "zero point outside its dtype's range");
    if (is_int16 && (lhs.zero_point() != 0 || rhs.zero_point() != 0 || output.zero_point() != 0))
      return ctx.fail(Status::kUnsupported, "int16 operands must have zero point 0");
    if (is_int16 && depth > (1 << 16))
      return ctx.fail(Status::kUnsupported, "int16 inner dimension is too large");
    if (!usable_scale(output.scale()))
      return ctx.fail(Status::kMalformedModel, "output scale must be positive");
    const double real =
        static_cast<double>(lhs.scale() * rhs.scale()) / static_cast<double>(output.scale());
    if (!checked_multiplier(real, is_int8 ? kMaxShift32 : kMaxShift64, &multiplier))
      return ctx.fail(Status::kUnsupported, "output rescale factor is out of range");
  }

  auto* data = ctx.allocate_persistent<BatchMatMulData>();
  if (ctx.sizing()) return Status::kOk;
  for (int i = 0; i < kBatchDims; ++i) {
    data->batch[i] = batch[i];
    data->lhs_stride[i] = lhs_stride[i];
    data->rhs_stride[i] = rhs_stride[i];
  }
  data->rows = rows;
  data->cols = cols;
  data->depth = depth;
  data->lhs_row_step = adj_x ? 1 : depth;
  data->lhs_depth_step = adj_x ? rows : 1;
  data->rhs_depth_step = adj_y ? 1 : cols;
  data->rhs_col_step = adj_y ? depth : 1;
  data->lhs_offset = is_float ? 0 : -lhs.zero_point();
  data->rhs_offset = is_float ? 0 : -rhs.zero_point();
  data->output_offset = is_float ? 0 : output.zero_point();
  data->multiplier = multiplier;
  return Status::kOk;
}

// Calls body(lhs_matrix, rhs_matrix, out_matrix_index) for every output batch, in row-major order.
template <typename Body>
void for_each_batch(const BatchMatMulData& d, Body body) {
  int64_t index = 0;
  for (int32_t b0 = 0; b0 < d.batch[0]; ++b0) {
    for (int32_t b1 = 0; b1 < d.batch[1]; ++b1) {
      for (int32_t b2 = 0; b2 < d.batch[2]; ++b2) {
        const int64_t l = b0 * d.lhs_stride[0] + b1 * d.lhs_stride[1] + b2 * d.lhs_stride[2];
        const int64_t r = b0 * d.rhs_stride[0] + b1 * d.rhs_stride[1] + b2 * d.rhs_stride[2];
        body(l, r, index++);
      }
    }
  }
}

void eval_float(const BatchMatMulData& d, const float* lhs, const float* rhs, float* output) {
  const int64_t matrix = static_cast<int64_t>(d.rows) * d.cols;
  for_each_batch(d, [&](int64_t l, int64_t r, int64_t index) {
    float* out = output + index * matrix;
    for (int32_t i = 0; i < d.rows; ++i) {
      for (int32_t j = 0; j < d.cols; ++j) {
        const float* a = lhs + l + static_cast<int64_t>(i) * d.lhs_row_step;
        const float* b = rhs + r + static_cast<int64_t>(j) * d.rhs_col_step;
        float total = 0.0f;
        for (int32_t k = 0; k < d.depth; ++k)
          total += a[static_cast<int64_t>(k) * d.lhs_depth_step] *
                   b[static_cast<int64_t>(k) * d.rhs_depth_step];
        out[static_cast<int64_t>(i) * d.cols + j] = total;
      }
    }
  });
}

template <typename T, typename Acc>
void eval_quantized(const BatchMatMulData& d, const T* lhs, const T* rhs, T* output) {
  const int64_t matrix = static_cast<int64_t>(d.rows) * d.cols;
  int32_t lo, hi;
  dtype_range(sizeof(T) == 1 ? DataType::kInt8 : DataType::kInt16, &lo, &hi);
  for_each_batch(d, [&](int64_t l, int64_t r, int64_t index) {
    T* out = output + index * matrix;
    for (int32_t i = 0; i < d.rows; ++i) {
      for (int32_t j = 0; j < d.cols; ++j) {
        const T* a = lhs + l + static_cast<int64_t>(i) * d.lhs_row_step;
        const T* b = rhs + r + static_cast<int64_t>(j) * d.rhs_col_step;
        Acc total = 0;
        for (int32_t k = 0; k < d.depth; ++k) {
          const int32_t x = a[static_cast<int64_t>(k) * d.lhs_depth_step] + d.lhs_offset;
          const int32_t y = b[static_cast<int64_t>(k) * d.rhs_depth_step] + d.rhs_offset;
          if (sizeof(Acc) == 4) {
            total = static_cast<Acc>(wrapping_add(static_cast<int32_t>(total), x * y));
          } else {
            total += static_cast<Acc>(x) * y;
          }
        }
        const int32_t scaled =
            multiply_by_quantized_multiplier(total, d.multiplier.multiplier, d.multiplier.shift);
        out[static_cast<int64_t>(i) * d.cols + j] =
            static_cast<T>(clamp32(wrapping_add(scaled, d.output_offset), lo, hi));
      }
    }
  });
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<BatchMatMulData>();
  const TensorView lhs = ctx.input(0), rhs = ctx.input(1), output = ctx.output(0);
  switch (lhs.type) {
    case DataType::kFloat32:
      eval_float(d, lhs.as<float>(), rhs.as<float>(), output.as<float>());
      break;
    case DataType::kInt8:
      eval_quantized<int8_t, int32_t>(d, lhs.as<int8_t>(), rhs.as<int8_t>(), output.as<int8_t>());
      break;
    default:
      eval_quantized<int16_t, int64_t>(d, lhs.as<int16_t>(), rhs.as<int16_t>(),
                                       output.as<int16_t>());
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_BATCH_MATMUL = {
    static_cast<int32_t>(tflite::BuiltinOperator::BATCH_MATMUL), 1, 4, prepare, eval, false};

}  // namespace tinyforge
