#include "plan/patch_stage.h"

#include "kernels/conv_common.h"
#include "kernels/pool_common.h"

namespace tinyforge {
namespace {

using tflite::BuiltinOperator;

// Filter height, vertical stride and dilation of a sliding-window operator; false for others.
bool vertical_window(const Model& model, int op, int32_t* filter_h, int32_t* stride,
                     int32_t* dilation) {
  const tflite::Operator& node = *model.op(op);
  *dilation = 1;
  switch (static_cast<BuiltinOperator>(model.op_code(op))) {
    case BuiltinOperator::CONV_2D:
    case BuiltinOperator::DEPTHWISE_CONV_2D: {
      if (model.op_num_inputs(op) < 2 || model.op_input(op, 1) < 0) return false;
      const TensorView filter = model.tensor(model.op_input(op, 1));
      if (filter.rank != 4) return false;
      const bool depthwise =
          model.op_code(op) == static_cast<int32_t>(BuiltinOperator::DEPTHWISE_CONV_2D);
      *filter_h = filter.dim(1);
      if (depthwise) {
        const auto* o = node.builtin_options_as_DepthwiseConv2DOptions();
        if (o == nullptr) return false;
        *stride = o->stride_h();
        *dilation = o->dilation_h_factor();
      } else {
        const auto* o = node.builtin_options_as_Conv2DOptions();
        if (o == nullptr) return false;
        *stride = o->stride_h();
        *dilation = o->dilation_h_factor();
      }
      return true;
    }
    case BuiltinOperator::AVERAGE_POOL_2D:
    case BuiltinOperator::MAX_POOL_2D: {
      const auto* o = node.builtin_options_as_Pool2DOptions();
      if (o == nullptr) return false;
      *filter_h = o->filter_height();
      *stride = o->stride_h();
      return true;
    }
    default:
      return false;
  }
}

int32_t clip(int64_t row, int32_t rows) {
  return static_cast<int32_t>(row < 0 ? 0 : (row > rows ? rows : row));
}

}  // namespace

bool row_geometry(const Model& model, int op, RowGeometry* g) {
  if (model.op_num_inputs(op) < 1 || model.op_num_outputs(op) != 1) return false;
  const int in = model.op_input(op, 0), out = model.op_output(op, 0);
  if (in < 0 || out < 0) return false;
  const TensorView x = model.tensor(in), y = model.tensor(out);
  if (x.rank != 4 || y.rank != 4 || x.dim(0) != 1 || y.dim(0) != 1) return false;
  int32_t filter_h = 0, stride = 0, dilation = 0;
  if (!vertical_window(model, op, &filter_h, &stride, &dilation)) return false;
  if (filter_h < 1 || stride < 1 || dilation < 1 || y.dim(1) < 1) return false;
  const int64_t extent = static_cast<int64_t>(filter_h - 1) * dilation + 1;
  const int64_t in_row = static_cast<int64_t>(x.dim(2)) * x.dim(3) * dtype_size(x.type);
  const int64_t out_row = static_cast<int64_t>(y.dim(2)) * y.dim(3) * dtype_size(y.type);
  if (extent > INT32_MAX || in_row > INT32_MAX || out_row > INT32_MAX) return false;
  g->in_h = x.dim(1);
  g->out_h = y.dim(1);
  g->stride = stride;
  g->extent = static_cast<int32_t>(extent);
  // The kernels' padding before the first row (conv_common.h, pool_common.h: the same rule).
  g->pad = static_cast<int32_t>(
      conv::padding_before(g->in_h, filter_h, g->out_h, stride, dilation, nullptr));
  g->in_row_bytes = static_cast<uint32_t>(in_row);
  g->out_row_bytes = static_cast<uint32_t>(out_row);
  return true;
}

void input_rows(const RowGeometry& g, int32_t out_begin, int32_t out_end, int32_t* begin,
                int32_t* end) {
  const int64_t first = static_cast<int64_t>(out_begin) * g.stride - g.pad;
  const int64_t last = static_cast<int64_t>(out_end - 1) * g.stride - g.pad + g.extent;
  *begin = clip(first, g.in_h);
  *end = clip(last, g.in_h);
}

void band_rows(const PatchStage& stage, int band, BandRows* rows) {
  const int n = stage.ops;
  const int64_t height = stage.rows[n - 1].out_h;
  rows->begin[n] = static_cast<int32_t>(band * height / stage.tiles);
  rows->end[n] = static_cast<int32_t>((band + 1) * height / stage.tiles);
  for (int j = n - 1; j >= 0; --j)
    input_rows(stage.rows[j], rows->begin[j + 1], rows->end[j + 1], &rows->begin[j], &rows->end[j]);
}

int32_t first_new_row(const BandRows& rows, const BandRows* previous, int j) {
  if (previous == nullptr) return rows.begin[j + 1];
  return previous->end[j + 1] > rows.begin[j + 1] ? previous->end[j + 1] : rows.begin[j + 1];
}

RowBand row_band(const PatchStage& stage, const BandRows& rows, int j, int32_t new_row,
                 int32_t* in_begin) {
  const RowGeometry& g = stage.rows[j];
  int32_t in_end;
  input_rows(g, new_row, rows.end[j + 1], in_begin, &in_end);
  return RowBand{in_end - *in_begin, rows.end[j + 1] - new_row,
                 g.pad + *in_begin - new_row * g.stride};
}

size_t stage_bytes(int ops) { return offsetof(PatchStage, rows) + ops * sizeof(RowGeometry); }

uint32_t band_buffer_bytes(const PatchStage& stage, int j) {
  int32_t most = 0;
  for (int band = 0; band < stage.tiles; ++band) {
    BandRows rows;
    band_rows(stage, band, &rows);
    const int32_t count = rows.end[j + 1] - rows.begin[j + 1];
    if (count > most) most = count;
  }
  return static_cast<uint32_t>(most) * stage.rows[j].out_row_bytes;
}

uint64_t moved_bytes(const PatchStage& stage) {
  uint64_t moved = 0;
  BandRows rows[2];
  for (int band = 0; band < stage.tiles; ++band) {
    BandRows& now = rows[band % 2];
    band_rows(stage, band, &now);
    if (band == 0) continue;
    for (int j = 0; j + 1 < stage.ops; ++j) {
      const int32_t kept = first_new_row(now, &rows[1 - band % 2], j) - now.begin[j + 1];
      moved += static_cast<uint64_t>(kept) * stage.rows[j].out_row_bytes;
    }
  }
  return moved;
}

}  // namespace tinyforge
