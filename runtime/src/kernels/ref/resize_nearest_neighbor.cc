// RESIZE_NEAREST_NEIGHBOR over NHWC tensors: float32, int8, int16 (values are copied, so
// quantization passes through unchanged). The output size is a constant int32 [2] tensor
// (height, width). Source indices are computed in float exactly as TFLite does, once in
// prepare:
//   scale = align_corners && out > 1 ? (in - 1) / float(out - 1) : in / float(out)
//   src   = min(align_corners ? round((i + offset) * scale) : floor((i + offset) * scale), in - 1)
// with offset 0.5 and a floor at 0 when half_pixel_centers.
#include <math.h>

#include "kernels/kernel.h"
#include "kernels/pool_common.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

struct ResizeData {
  int32_t batches, in_h, in_w, depth, out_h, out_w;
  int32_t* src_y;  // out_h entries
  int32_t* src_x;  // out_w entries
};

int32_t source_index(int32_t i, int32_t in_size, int32_t out_size, bool align_corners,
                     bool half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float position = (static_cast<float>(i) + offset) * scale;
  // position is finite and non-negative, below in_size * 2: no overflow converting to int.
  int32_t src = align_corners ? round_away_f(position) : static_cast<int32_t>(floorf(position));
  if (src > in_size - 1) src = in_size - 1;
  if (half_pixel_centers && src < 0) src = 0;
  return src;
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects inputs (input, size) and one output");
  const TensorView input = ctx.input(0), size = ctx.input(1), output = ctx.output(0);
  if (input.rank != 4 || output.rank != 4)
    return ctx.fail(Status::kMalformedModel, "input and output must have rank 4 (NHWC)");
  if (output.type != input.type)
    return ctx.fail(Status::kMalformedModel, "output dtype must match the input dtype");
  if (input.type != DataType::kFloat32 && input.type != DataType::kInt8 &&
      input.type != DataType::kInt16)
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  if (size.type != DataType::kInt32 || size.elements() != 2 || size.rank != 1)
    return ctx.fail(Status::kMalformedModel, "size must be an int32 tensor of shape [2]");
  if (!size.is_constant || size.data == nullptr)
    return ctx.fail(Status::kUnsupported, "size tensor must be constant");
  const int64_t out_h = read_index(size, 0), out_w = read_index(size, 1);
  if (out_h < 1 || out_w < 1) return ctx.fail(Status::kMalformedModel, "size must be positive");
  if (output.dim(0) != input.dim(0) || output.dim(3) != input.dim(3) || output.dim(1) != out_h ||
      output.dim(2) != out_w)
    return ctx.fail(Status::kMalformedModel,
                    "output shape does not match [batch, size[0], size[1], channels]");
  if (input.dim(1) < 1 || input.dim(2) < 1)
    return ctx.fail(Status::kMalformedModel, "input height and width must be positive");
  const auto* options = ctx.op().builtin_options_as_ResizeNearestNeighborOptions();
  const bool align_corners = options != nullptr && options->align_corners();
  const bool half_pixel_centers = options != nullptr && options->half_pixel_centers();

  auto* data = ctx.allocate_persistent<ResizeData>();
  auto* src_y = ctx.allocate_persistent<int32_t>(static_cast<size_t>(out_h));
  auto* src_x = ctx.allocate_persistent<int32_t>(static_cast<size_t>(out_w));
  if (ctx.sizing()) return Status::kOk;
  data->batches = input.dim(0);
  data->in_h = input.dim(1);
  data->in_w = input.dim(2);
  data->depth = input.dim(3);
  data->out_h = static_cast<int32_t>(out_h);
  data->out_w = static_cast<int32_t>(out_w);
  data->src_y = src_y;
  data->src_x = src_x;
  for (int32_t y = 0; y < data->out_h; ++y)
    src_y[y] = source_index(y, data->in_h, data->out_h, align_corners, half_pixel_centers);
  for (int32_t x = 0; x < data->out_w; ++x)
    src_x[x] = source_index(x, data->in_w, data->out_w, align_corners, half_pixel_centers);
  return Status::kOk;
}

Status eval(EvalContext& ctx) {
  const auto& d = *ctx.persistent<ResizeData>();
  const TensorView input = ctx.input(0), output = ctx.output(0);
  const size_t element = dtype_size(input.type);
  const size_t pixel = element * static_cast<size_t>(d.depth);
  const size_t row = pixel * static_cast<size_t>(d.in_w);
  const size_t image = row * static_cast<size_t>(d.in_h);
  const auto* in = static_cast<const uint8_t*>(input.data);
  auto* out = static_cast<uint8_t*>(output.data);
  for (int32_t b = 0; b < d.batches; ++b) {
    const uint8_t* in_image = in + image * static_cast<size_t>(b);
    for (int32_t y = 0; y < d.out_h; ++y) {
      const uint8_t* in_row = in_image + row * static_cast<size_t>(d.src_y[y]);
      for (int32_t x = 0; x < d.out_w; ++x) {
        memcpy(out, in_row + pixel * static_cast<size_t>(d.src_x[x]), pixel);
        out += pixel;
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_RESIZE_NEAREST_NEIGHBOR = {
    static_cast<int32_t>(tflite::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR),
    1,
    4,
    prepare,
    eval,
    false};

}  // namespace tinyforge
