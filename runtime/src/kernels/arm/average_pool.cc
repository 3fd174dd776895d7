// AVERAGE_POOL_2D, int8, with the DSP extension: four channels at a time summed over the window in
// two words of halfword pairs (SXTAB16 adds a word's even and odd bytes to them), so a window pixel
// costs one load and two adds per four channels; then each sum is rounded and divided as TFLite's
// reference does. Windows of at most 256 pixels, whose sums fit in 16 bits (256 * -128 = -2^15);
// larger windows, float and int16 go to the reference kernel.
//
// In place: output pixels in raster order, each group of four channels read over the window and
// then written, which the reference kernel's per-pixel interleaved offer covers.
#include "kernels/arm/fallback.h"
#include "kernels/arm/simd.h"
#include "kernels/kernel.h"
#include "kernels/pool_common.h"

namespace tinyforge {

extern const KernelRegistration kKernel_AVERAGE_POOL_2D;

namespace {

constexpr int32_t kMaxWindow = 256;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  fast::FallbackHeader* header;
  const Status s = fast::prepare_with_reference(ctx, kKernel_AVERAGE_POOL_2D, &header);
  if (s != Status::kOk || header == nullptr) return s;
  const auto& d = *static_cast<const PoolData*>(header->reference_state);
  header->use_fast_path = ctx.input(0).type == DataType::kInt8 &&
                          static_cast<int64_t>(d.filter_h) * d.filter_w <= kMaxWindow;
  return Status::kOk;
}

void eval_int8(const PoolData& d, const int8_t* input, int8_t* output) {
  const int64_t row = static_cast<int64_t>(d.in_w) * d.depth;
  const int64_t image = row * d.in_h;
  const int32_t depth = d.depth, act_min = d.act_min, act_max = d.act_max;
  int8_t* y = output;
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t oy = 0; oy < d.out_h; ++oy) {
      for (int32_t ox = 0; ox < d.out_w; ++ox, y += depth) {
        const PoolWindow w = window_at(d, oy, ox);
        const int32_t count = (w.y1 - w.y0) * (w.x1 - w.x0);
        const int8_t* first = input + b * image + w.y0 * row + static_cast<int64_t>(w.x0) * depth;
        int32_t c = 0;
        for (; c + 4 <= depth; c += 4) {
          uint32_t even = 0, odd = 0;  // channels c, c + 2 and c + 1, c + 3
          const int8_t* x_row = first + c;
          for (int32_t iy = w.y0; iy < w.y1; ++iy, x_row += row) {
            const int8_t* x = x_row;
            for (int32_t ix = w.x0; ix < w.x1; ++ix, x += depth) {
              const uint32_t word = simd::load_word(x);
              even = simd::sxtab16(even, word);
              odd = simd::sxtab16_odd(odd, word);
            }
          }
          y[c] =
              static_cast<int8_t>(rounded_average(simd::low_half(even), count, act_min, act_max));
          y[c + 1] =
              static_cast<int8_t>(rounded_average(simd::low_half(odd), count, act_min, act_max));
          y[c + 2] =
              static_cast<int8_t>(rounded_average(simd::high_half(even), count, act_min, act_max));
          y[c + 3] =
              static_cast<int8_t>(rounded_average(simd::high_half(odd), count, act_min, act_max));
        }
        for (; c < depth; ++c) {  // the last depth % 4 channels
          int32_t sum = 0;
          const int8_t* x_row = first + c;
          for (int32_t iy = w.y0; iy < w.y1; ++iy, x_row += row) {
            for (int32_t ix = 0; ix < w.x1 - w.x0; ++ix) sum += x_row[ix * depth];
          }
          y[c] = static_cast<int8_t>(rounded_average(sum, count, act_min, act_max));
        }
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const auto* header = ctx.persistent<fast::FallbackHeader>();
  if (!header->use_fast_path) return fast::eval_reference(ctx, kKernel_AVERAGE_POOL_2D);
  eval_int8(in_band(*static_cast<const PoolData*>(header->reference_state), ctx.band()),
            ctx.input(0).as<int8_t>(), ctx.output(0).as<int8_t>());
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kDspKernel_AVERAGE_POOL_2D = {
    static_cast<int32_t>(tflite::BuiltinOperator::AVERAGE_POOL_2D), 1, 3, prepare, eval, false};

}  // namespace tinyforge
