// TRANSPOSE_CONV: inputs (output_shape, weights [O, KH, KW, I], input [N, H, W, I][, bias [O]]),
// output [N, OH, OW, O]. Every input pixel scatters input * weight into the output window it
// touches; the sums (in a scratch buffer for quantized types) get the bias and are requantized.
// float32, int8 (per-channel int8 weights, int32 bias) and int16 activations with int8 weights
// (int64 or int16 bias), with TFLite Micro's arithmetic:
//  - the static output shape is authoritative; the output_shape operand (which may be a graph
//    input) is checked against it at every eval;
//  - quantized outputs are clamped to the dtype range only: TFLM ignores the fused activation of
//    quantized TRANSPOSE_CONV (it passes kTfLiteActNone), so this kernel does too; float outputs
//    apply it;
//  - weight zero points must be 0 (TFLM ignores them), int16 activations must have zero point 0.
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/quant_math.h"
#include "kernels/tconv_svdf_common.h"

namespace tinyforge {
namespace {

constexpr int kOutputShape = 0;
constexpr int kWeights = 1;
constexpr int kInput = 2;
constexpr int kBias = 3;

struct TransposeConvData {
  int32_t batches, in_h, in_w, in_depth;
  int32_t out_h, out_w, out_depth;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t input_offset;
  int32_t output_offset;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
  int32_t num_multipliers;  // 0 (float), 1 (per tensor) or out_depth
  QuantizedMultiplier* multipliers;
};

// TFLite's padding for a convolution whose input is this op's output (ComputePaddingHeightWidth
// with dilation 1): the window count the forward conv would produce, then half the excess.
int32_t transpose_padding(tflite::Padding padding, int64_t size, int64_t filter, int64_t stride) {
  const int64_t windows = padding == tflite::Padding::SAME ? (size + stride - 1) / stride
                                                           : (size + stride - filter) / stride;
  const int64_t total = (windows - 1) * stride + filter - size;
  return total > 0 ? static_cast<int32_t>(total / 2) : 0;
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() < 3 || ctx.num_inputs() > 4 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel,
                    "expects inputs (output_shape, weights, input[, bias]) and one output");
  const TensorView shape = ctx.input(kOutputShape), weights = ctx.input(kWeights);
  const TensorView input = ctx.input(kInput), bias = ctx.input(kBias);
  const TensorView output = ctx.output(0);
  const auto* options = ctx.op().builtin_options_as_TransposeConvOptions();
  if (options == nullptr) return ctx.fail(Status::kMalformedModel, "missing TransposeConvOptions");
  if (options->stride_h() < 1 || options->stride_w() < 1)
    return ctx.fail(Status::kMalformedModel, "strides must be at least 1");
  if (options->padding() != tflite::Padding::SAME && options->padding() != tflite::Padding::VALID)
    return ctx.fail(Status::kMalformedModel, "padding must be SAME or VALID");

  if (shape.type != DataType::kInt32 || shape.elements() != 4)
    return ctx.fail(Status::kMalformedModel, "output_shape must be an int32 tensor of 4 values");
  if (input.rank != 4 || weights.rank != 4 || output.rank != 4)
    return ctx.fail(Status::kMalformedModel, "input, weights and output must have rank 4");
  if (input.dim(0) != output.dim(0))
    return ctx.fail(Status::kMalformedModel, "input and output batch sizes differ");
  if (input.dim(3) != weights.dim(3))
    return ctx.fail(Status::kMalformedModel,
                    "input depth does not match the weights' last dimension");
  if (weights.dim(0) != output.dim(3))
    return ctx.fail(Status::kMalformedModel,
                    "output depth does not match the weights' first dimension");
  if (bias.present() && bias.elements() != output.dim(3))
    return ctx.fail(Status::kMalformedModel, "bias size does not match the output depth");
  if (shape.is_constant && shape.data != nullptr) {
    const int32_t* values = shape.as<int32_t>();
    for (int i = 0; i < 4; ++i)
      if (values[i] != output.dim(i))
        return ctx.fail(Status::kMalformedModel, "output_shape does not match the output tensor");
  }

  const bool is_float = input.type == DataType::kFloat32;
  const bool is_int8 = input.type == DataType::kInt8;
  const bool is_int16 = input.type == DataType::kInt16;
  const int32_t out_depth = output.dim(3);
  if (is_float) {
    if (weights.type != DataType::kFloat32 || output.type != DataType::kFloat32 ||
        (bias.present() && bias.type != DataType::kFloat32))
      return ctx.fail(Status::kUnsupported,
                      "float32 input needs float32 weights, bias and output (hybrid models are "
                      "not supported)");
  } else if (is_int8 || is_int16) {
    const bool bias_ok =
        !bias.present() ||
        (is_int8 ? bias.type == DataType::kInt32
                 : (bias.type == DataType::kInt64 || bias.type == DataType::kInt16));
    if (weights.type != DataType::kInt8 || output.type != input.type || !bias_ok)
      return ctx.fail(Status::kUnsupported,
                      is_int8 ? "int8 input needs int8 weights, int32 bias and int8 output"
                              : "int16 input needs int8 weights, int64 bias and int16 output");
    if (!input.is_quantized() || !weights.is_quantized() || !output.is_quantized())
      return ctx.fail(Status::kMalformedModel, "quantized tensors need scale and zero point");
    if (!zero_points_in_range(input) || !zero_points_in_range(output))
      return ctx.fail(Status::kMalformedModel, "zero point outside its dtype's range");
    if (weights.num_scales != 1 && weights.num_scales != out_depth)
      return ctx.fail(Status::kMalformedModel, "weights need one scale or one per output channel");
    if (weights.num_scales > 1 && weights.quantized_dimension != 0)
      return ctx.fail(Status::kMalformedModel, "weights must be quantized along dimension 0");
    for (int c = 0; c < weights.num_zero_points; ++c)
      if (weights.zero_point(c) != 0)
        return ctx.fail(Status::kUnsupported, "weights must be symmetric (zero point 0)");
    if (is_int16 && (input.zero_point() != 0 || output.zero_point() != 0))
      return ctx.fail(Status::kUnsupported, "int16 activations must have zero point 0");
    if (bias.present() && !bias.is_constant)
      return ctx.fail(Status::kUnsupported, "quantized bias must be constant");
  } else {
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  }

  const int64_t taps = static_cast<int64_t>(weights.dim(1)) * weights.dim(2) * weights.dim(3);
  if (is_int16) {
    // Keeps the int64 accumulator (< 2^47) and its product with the 16-bit multiplier in range.
    if (taps > (int64_t{1} << 24))
      return ctx.fail(Status::kUnsupported, "int16 weights window is too large");
    if (bias.present() && bias.type == DataType::kInt64) {
      const int64_t* b = bias.as<int64_t>();
      for (int32_t c = 0; c < out_depth; ++c) {
        int64_t v;
        memcpy(&v, b + c, sizeof(v));
        if (v > (int64_t{1} << 46) || v < -(int64_t{1} << 46))
          return ctx.fail(Status::kUnsupported, "int64 bias value out of the supported range");
      }
    }
  }

  int32_t act_min = 0, act_max = 0;
  float act_min_f = 0, act_max_f = 0;
  if (is_float) {
    if (!float_activation_range(options->fused_activation_function(), &act_min_f, &act_max_f))
      return ctx.fail(Status::kUnsupported, "fused activation is not supported");
  } else {
    dtype_range(output.type, &act_min, &act_max);
  }

  auto* data = ctx.allocate_persistent<TransposeConvData>();
  const int32_t num_multipliers = is_float ? 0 : out_depth;
  auto* multipliers = ctx.allocate_persistent<QuantizedMultiplier>(num_multipliers);
  if (!is_float) {
    const size_t acc_size = is_int8 ? sizeof(int32_t) : sizeof(int64_t);
    ctx.request_scratch(static_cast<size_t>(output.elements()) * acc_size);
    if (!usable_scale(input.scale()) || !usable_scale(output.scale()))
      return ctx.fail(Status::kMalformedModel, "input and output scales must be positive");
    for (int32_t c = 0; c < num_multipliers; ++c) {
      const float filter_scale = weights.scale(weights.num_scales == 1 ? 0 : c);
      const double real = static_cast<double>(input.scale()) * static_cast<double>(filter_scale) /
                          static_cast<double>(output.scale());
      QuantizedMultiplier m;
      if (!checked_multiplier(real, is_int8 ? kMaxShift32 : kMaxShift64, &m))
        return ctx.fail(Status::kUnsupported, "output rescale factor is out of range");
      if (!ctx.sizing()) multipliers[c] = m;
    }
  }
  if (ctx.sizing()) return Status::kOk;

  data->batches = input.dim(0);
  data->in_h = input.dim(1);
  data->in_w = input.dim(2);
  data->in_depth = input.dim(3);
  data->out_h = output.dim(1);
  data->out_w = output.dim(2);
  data->out_depth = out_depth;
  data->filter_h = weights.dim(1);
  data->filter_w = weights.dim(2);
  data->stride_h = options->stride_h();
  data->stride_w = options->stride_w();
  data->pad_h = transpose_padding(options->padding(), data->out_h, data->filter_h, data->stride_h);
  data->pad_w = transpose_padding(options->padding(), data->out_w, data->filter_w, data->stride_w);
  data->input_offset = is_float ? 0 : -input.zero_point();
  data->output_offset = is_float ? 0 : output.zero_point();
  data->act_min = act_min;
  data->act_max = act_max;
  data->act_min_f = act_min_f;
  data->act_max_f = act_max_f;
  data->num_multipliers = num_multipliers;
  data->multipliers = multipliers;
  return Status::kOk;
}

// Scatters every input value times every weight into the accumulators of the outputs it reaches,
// in TFLM's loop order (which fixes the float summation order).
template <typename In, typename Acc, typename Add>
void scatter(const TransposeConvData& d, const In* input, const typename Add::Weight* weights,
             Acc* acc, Add add) {
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t iy = 0; iy < d.in_h; ++iy) {
      for (int32_t ix = 0; ix < d.in_w; ++ix) {
        const In* in = input + ((static_cast<int64_t>(b) * d.in_h + iy) * d.in_w + ix) * d.in_depth;
        const int64_t oy0 = static_cast<int64_t>(iy) * d.stride_h - d.pad_h;
        const int64_t ox0 = static_cast<int64_t>(ix) * d.stride_w - d.pad_w;
        for (int32_t ic = 0; ic < d.in_depth; ++ic) {
          for (int32_t fy = 0; fy < d.filter_h; ++fy) {
            const int64_t oy = oy0 + fy;
            if (oy < 0 || oy >= d.out_h) continue;
            for (int32_t fx = 0; fx < d.filter_w; ++fx) {
              const int64_t ox = ox0 + fx;
              if (ox < 0 || ox >= d.out_w) continue;
              Acc* out =
                  acc + ((b * static_cast<int64_t>(d.out_h) + oy) * d.out_w + ox) * d.out_depth;
              for (int32_t oc = 0; oc < d.out_depth; ++oc) {
                const auto w =
                    weights[((static_cast<int64_t>(oc) * d.filter_h + fy) * d.filter_w + fx) *
                                d.in_depth +
                            ic];
                out[oc] = add(out[oc], in[ic], w);
              }
            }
          }
        }
      }
    }
  }
}

struct AddFloat {
  using Weight = float;
  float operator()(float acc, float x, float w) const { return acc + x * w; }
};
struct AddInt8 {
  using Weight = int8_t;
  int32_t input_offset;
  int32_t operator()(int32_t acc, int8_t x, int8_t w) const {
    return wrapping_add(acc, (x + input_offset) * w);
  }
};
struct AddInt16 {
  using Weight = int8_t;
  int64_t operator()(int64_t acc, int16_t x, int8_t w) const {
    return acc + static_cast<int64_t>(x) * w;
  }
};

// Whether the output_shape operand agrees with the output tensor's static shape.
bool output_shape_matches(const EvalContext& ctx) {
  const TensorView shape = ctx.input(kOutputShape), output = ctx.output(0);
  int32_t values[4];
  memcpy(values, shape.data, sizeof(values));
  for (int i = 0; i < 4; ++i)
    if (values[i] != output.dim(i)) return false;
  return true;
}

Status eval(EvalContext& ctx) {
  if (!output_shape_matches(ctx))
    return ctx.fail(Status::kKernelError,
                    "output_shape values do not match the output tensor's static shape");
  const auto& d = *ctx.persistent<TransposeConvData>();
  const TensorView input = ctx.input(kInput), weights = ctx.input(kWeights);
  const TensorView bias = ctx.input(kBias), output = ctx.output(0);
  const int64_t count = output.elements();
  const int64_t pixels = count / (d.out_depth > 0 ? d.out_depth : 1);

  if (input.type == DataType::kFloat32) {
    float* out = output.as<float>();
    for (int64_t i = 0; i < count; ++i) out[i] = 0.0f;
    scatter(d, input.as<float>(), weights.as<float>(), out, AddFloat{});
    const float* b = bias.present() ? bias.as<float>() : nullptr;
    for (int64_t p = 0; p < pixels; ++p) {
      for (int32_t oc = 0; oc < d.out_depth; ++oc) {
        float v = out[p * d.out_depth + oc];
        if (b != nullptr) v += b[oc];
        out[p * d.out_depth + oc] = clampf(v, d.act_min_f, d.act_max_f);
      }
    }
    return Status::kOk;
  }

  if (input.type == DataType::kInt8) {
    int32_t* acc = static_cast<int32_t*>(ctx.scratch());
    memset(acc, 0, static_cast<size_t>(count) * sizeof(int32_t));
    scatter(d, input.as<int8_t>(), weights.as<int8_t>(), acc, AddInt8{d.input_offset});
    const int32_t* b = bias.present() ? bias.as<int32_t>() : nullptr;
    int8_t* out = output.as<int8_t>();
    for (int64_t p = 0; p < pixels; ++p) {
      for (int32_t oc = 0; oc < d.out_depth; ++oc) {
        int32_t v = acc[p * d.out_depth + oc];
        if (b != nullptr) v = wrapping_add(v, b[oc]);
        const QuantizedMultiplier& m = d.multipliers[oc];
        v = wrapping_add(multiply_by_quantized_multiplier(v, m.multiplier, m.shift),
                         d.output_offset);
        out[p * d.out_depth + oc] = static_cast<int8_t>(clamp32(v, d.act_min, d.act_max));
      }
    }
    return Status::kOk;
  }

  int64_t* acc = static_cast<int64_t*>(ctx.scratch());
  memset(acc, 0, static_cast<size_t>(count) * sizeof(int64_t));
  scatter(d, input.as<int16_t>(), weights.as<int8_t>(), acc, AddInt16{});
  int16_t* out = output.as<int16_t>();
  for (int64_t p = 0; p < pixels; ++p) {
    for (int32_t oc = 0; oc < d.out_depth; ++oc) {
      int64_t v = acc[p * d.out_depth + oc];
      if (bias.present()) {
        if (bias.type == DataType::kInt16) {
          v += bias.as<int16_t>()[oc];
        } else {
          int64_t bv;
          memcpy(&bv, bias.as<int64_t>() + oc, sizeof(bv));
          v += bv;
        }
      }
      const QuantizedMultiplier& m = d.multipliers[oc];
      const int32_t scaled = multiply_by_quantized_multiplier(v, m.multiplier, m.shift);
      out[p * d.out_depth + oc] = static_cast<int16_t>(clamp32(scaled, d.act_min, d.act_max));
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TRANSPOSE_CONV = {
    static_cast<int32_t>(tflite::BuiltinOperator::TRANSPOSE_CONV), 1, 5, prepare, eval, false};

}  // namespace tinyforge
