// UNIDIRECTIONAL_SEQUENCE_LSTM: the standard LSTM cell (no peephole, projection, layer norm or
// CIFG) run over a sequence, as TFLite Micro evaluates it. Each gate is
//   gate = act(FC(input, W_in) + bias + FC(hidden, W_rec))
// (sigmoid for the input, forget and output gates, tanh for the cell gate), then
//   cell = clip(forget * cell + input_gate * cell_gate),  hidden = output_gate * tanh(cell),
// and each step's hidden state is written to the output. float32, int8 activations (int8
// weights, int32 bias, int16 cell state) and int16 activations (int8 weights, int64 bias, int16
// cell state). In the integer forms each FC produces a Q3.12 int16 gate input, the gates are
// Q0.15, and the cell state's scale is a power of two.
#include <math.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/lstm_common.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace {

// Operand positions (TFLite's order).
constexpr int kInput = 0;
constexpr int kInputWeights = 1;      // + gate: input, forget, cell, output
constexpr int kRecurrentWeights = 5;  // + gate
constexpr int kPeepholeFirst = 9;     // 9..11
constexpr int kGateBias = 12;         // + gate
constexpr int kProjectionWeights = 16;
constexpr int kProjectionBias = 17;
constexpr int kHiddenState = 18;
constexpr int kCellState = 19;
constexpr int kLayerNormFirst = 20;  // 20..23
constexpr int kNumInputs = 24;

constexpr int kInputGate = 0, kForgetGate = 1, kCellGate = 2, kOutputGate = 3;

using lstm::GateParams;
using lstm::LstmData;

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != kNumInputs || ctx.num_outputs() != 1)
    return ctx.fail(Status::kMalformedModel, "expects 24 inputs and one output");
  const auto* options = ctx.op().builtin_options_as_UnidirectionalSequenceLSTMOptions();
  if (options == nullptr) return ctx.fail(Status::kMalformedModel, "options are missing");
  const auto activation = options->fused_activation_function();
  // TFLite Micro applies tanh to the cell gate; the schema has no other usable choice.
  if (activation != tflite::ActivationFunctionType::TANH)
    return ctx.fail(Status::kUnsupported, "cell gate activation must be TANH");
  const float cell_clip = options->cell_clip();
  if (!(cell_clip >= 0.0f) || isinf(cell_clip))
    return ctx.fail(Status::kMalformedModel, "cell_clip must be a finite value >= 0");

  // Variants.
  for (int i = kPeepholeFirst; i < kPeepholeFirst + 3; ++i)
    if (ctx.input(i).present())
      return ctx.fail(Status::kUnsupported, "peephole connections are not supported");
  if (ctx.input(kProjectionWeights).present() || ctx.input(kProjectionBias).present())
    return ctx.fail(Status::kUnsupported, "projection is not supported");
  for (int i = kLayerNormFirst; i < kLayerNormFirst + 4; ++i)
    if (ctx.input(i).present())
      return ctx.fail(Status::kUnsupported, "layer normalization is not supported");
  if (!ctx.input(kInputWeights + kInputGate).present() ||
      !ctx.input(kRecurrentWeights + kInputGate).present() ||
      !ctx.input(kGateBias + kInputGate).present())
    return ctx.fail(Status::kUnsupported, "CIFG (no input gate) is not supported");
  for (int g = 0; g < 4; ++g) {
    if (!ctx.input(kInputWeights + g).present() || !ctx.input(kRecurrentWeights + g).present() ||
        !ctx.input(kGateBias + g).present())
      return ctx.fail(Status::kMalformedModel,
                      "every gate needs input and recurrent weights and a bias");
  }

  const TensorView input = ctx.input(kInput), output = ctx.output(0);
  const TensorView hidden = ctx.input(kHiddenState), cell = ctx.input(kCellState);
  if (!input.present() || !hidden.present() || !cell.present())
    return ctx.fail(Status::kMalformedModel, "input, hidden state and cell state are required");
  if (!hidden.is_variable || !cell.is_variable)
    return ctx.fail(Status::kMalformedModel, "hidden and cell state must be variable tensors");
  if (input.rank != 3) return ctx.fail(Status::kMalformedModel, "input must have rank 3");
  if (hidden.rank != 2) return ctx.fail(Status::kMalformedModel, "hidden state must have rank 2");
  const bool time_major = options->time_major();
  const int32_t batches = time_major ? input.dim(1) : input.dim(0);
  const int32_t time_steps = time_major ? input.dim(0) : input.dim(1);
  const int32_t input_size = input.dim(2);
  const int32_t state_size = hidden.dim(1);
  if (batches < 1 || time_steps < 1 || input_size < 1 || state_size < 1)
    return ctx.fail(Status::kMalformedModel, "dimensions must be positive");
  for (int g = 0; g < 4; ++g) {
    const TensorView w = ctx.input(kInputWeights + g), r = ctx.input(kRecurrentWeights + g);
    const TensorView b = ctx.input(kGateBias + g);
    if (w.rank != 2 || w.dim(0) != state_size || w.dim(1) != input_size)
      return ctx.fail(Status::kMalformedModel, "input weights must have shape [state, input]");
    if (r.rank != 2 || r.dim(0) != state_size || r.dim(1) != state_size)
      return ctx.fail(Status::kMalformedModel, "recurrent weights must have shape [state, state]");
    if (b.rank != 1 || b.dim(0) != state_size)
      return ctx.fail(Status::kMalformedModel, "gate biases must have shape [state]");
  }
  const int64_t state_elements = static_cast<int64_t>(batches) * state_size;
  if (hidden.elements() != state_elements || cell.elements() != state_elements)
    return ctx.fail(Status::kMalformedModel, "state tensors must hold batches * state values");
  if (output.rank != 3 || output.dim(0) != input.dim(0) || output.dim(1) != input.dim(1) ||
      output.dim(2) != state_size)
    return ctx.fail(Status::kMalformedModel,
                    "output shape must be input shape with last dim state");

  // Dtypes.
  const DataType type = input.type;
  const DataType weight_type = ctx.input(kInputWeights).type;
  const DataType bias_type = ctx.input(kGateBias).type;
  if (output.type != type || hidden.type != type)
    return ctx.fail(Status::kMalformedModel, "input, hidden state and output dtypes must match");
  for (int g = 0; g < 4; ++g) {
    if (ctx.input(kInputWeights + g).type != weight_type ||
        ctx.input(kRecurrentWeights + g).type != weight_type)
      return ctx.fail(Status::kMalformedModel, "all weights must have the same dtype");
    if (ctx.input(kGateBias + g).type != bias_type)
      return ctx.fail(Status::kMalformedModel, "all biases must have the same dtype");
  }
  const bool is_float = type == DataType::kFloat32;
  if (is_float) {
    if (weight_type != DataType::kFloat32 || bias_type != DataType::kFloat32 ||
        cell.type != DataType::kFloat32)
      return ctx.fail(Status::kUnsupported,
                      "float32 input needs float32 weights, biases and cell state (hybrid models "
                      "are not supported)");
  } else if (type == DataType::kInt8 || type == DataType::kInt16) {
    const DataType want_bias = type == DataType::kInt8 ? DataType::kInt32 : DataType::kInt64;
    if (weight_type != DataType::kInt8 || bias_type != want_bias || cell.type != DataType::kInt16)
      return ctx.fail(Status::kUnsupported,
                      type == DataType::kInt8
                          ? "int8 input needs int8 weights, int32 biases and int16 cell state"
                          : "int16 input needs int8 weights, int64 biases and int16 cell state");
  } else {
    return ctx.fail(Status::kUnsupported, "input dtype must be float32, int8 or int16");
  }

  auto* data = ctx.allocate_persistent<LstmData>();
  const int32_t rows = time_major ? batches : 1;
  ctx.request_scratch(4 * static_cast<size_t>(rows) * state_size * (is_float ? 4 : 2));

  LstmData d{};
  d.type = type;
  d.time_major = time_major;
  d.batches = batches;
  d.time_steps = time_steps;
  d.input_size = input_size;
  d.state_size = state_size;
  d.cell_clip = cell_clip;
  d.clip_cell = cell_clip > 0.0f;

  if (!is_float) {
    if (!input.is_quantized() || !hidden.is_quantized() || !cell.is_quantized())
      return ctx.fail(Status::kMalformedModel,
                      "input, hidden state and cell state need scale and zero point");
    for (int g = 0; g < 4; ++g) {
      if (ctx.input(kInputWeights + g).num_scales != 1 ||
          ctx.input(kRecurrentWeights + g).num_scales != 1)
        return ctx.fail(Status::kUnsupported, "weights must be quantized per tensor");
    }
    if (cell.zero_point() != 0)
      return ctx.fail(Status::kUnsupported, "cell state zero point must be 0");
    if (type == DataType::kInt16 && (input.zero_point() != 0 || hidden.zero_point() != 0))
      return ctx.fail(Status::kUnsupported, "int16 activations must have zero point 0");
    // The cell state scale must be 2^power.
    int exponent = 0;
    const double mantissa = split_exponent(static_cast<double>(cell.scale()), &exponent);
    if (!(cell.scale() > 0.0f) || mantissa != 0.5)
      return ctx.fail(Status::kUnsupported, "cell state scale must be a power of two");
    const int power = exponent - 1;
    if (power < -30 || power > 2)
      return ctx.fail(Status::kUnsupported, "cell state scale must be between 2^-30 and 2^2");
    d.cell_tanh = lstm::tanh_scaling_for_power(power);
    d.clip_cell = cell_clip > 0.0f;
    const double clip_q = static_cast<double>(cell_clip) / static_cast<double>(cell.scale());
    d.quantized_cell_clip =
        static_cast<int16_t>(clip_q > 32767.0 ? 32767.0 : (clip_q < -32768.0 ? -32768.0 : clip_q));

    const double gate_input_scale = 1.0 / 4096.0;  // Q3.12
    const int max_shift = type == DataType::kInt8 ? 30 : 14;
    for (int g = 0; g < 4; ++g) {
      const TensorView w = ctx.input(kInputWeights + g), r = ctx.input(kRecurrentWeights + g);
      if (!w.is_quantized() || !r.is_quantized())
        return ctx.fail(Status::kMalformedModel, "weights need scale and zero point");
      GateParams& p = d.gates[g];
      p.input_multiplier = quantize_multiplier(static_cast<double>(input.scale()) *
                                               static_cast<double>(w.scale()) / gate_input_scale);
      p.recurrent_multiplier = quantize_multiplier(
          static_cast<double>(hidden.scale()) * static_cast<double>(r.scale()) / gate_input_scale);
      p.input_weight_offset = -w.zero_point();
      p.recurrent_weight_offset = -r.zero_point();
      if (p.input_multiplier.shift > max_shift || p.recurrent_multiplier.shift > max_shift)
        return ctx.fail(Status::kUnsupported, "gate rescale factor is too large");
    }
    d.input_offset = -input.zero_point();
    d.hidden_offset = -hidden.zero_point();
    d.hidden_zero_point = hidden.zero_point();
    dtype_range(type, &d.hidden_min, &d.hidden_max);
    const double gate_output_scale = 1.0 / 32768.0;  // Q0.15
    const double cell_scale = static_cast<double>(cell.scale());
    d.forget_cell_multiplier = quantize_multiplier(gate_output_scale * cell_scale / cell_scale);
    d.input_cell_multiplier =
        quantize_multiplier(gate_output_scale * gate_output_scale / cell_scale);
    d.hidden_multiplier = quantize_multiplier(gate_output_scale * gate_output_scale /
                                              static_cast<double>(hidden.scale()));
    if (d.hidden_multiplier.shift > 30 || d.input_cell_multiplier.shift > 30)
      return ctx.fail(Status::kUnsupported, "hidden or cell state scale is too small");
  }
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  return Status::kOk;
}

// ---- integer ----

// One FC into Q3.12: out[r, s] = clamp16(requantize(sum (w + w_off)(x + x_off) + bias)).
template <typename In, typename Bias>
void gate_fc(const In* x, int32_t rows, int32_t depth, int32_t x_offset, const int8_t* w,
             int32_t w_offset, const Bias* bias, QuantizedMultiplier m, int32_t units,
             int16_t* out) {
  for (int32_t r = 0; r < rows; ++r) {
    const In* xr = x + static_cast<int64_t>(r) * depth;
    for (int32_t u = 0; u < units; ++u) {
      const int8_t* wu = w + static_cast<int64_t>(u) * depth;
      int64_t acc = 0;
      for (int32_t i = 0; i < depth; ++i)
        acc += static_cast<int64_t>(wu[i] + w_offset) * static_cast<int64_t>(xr[i] + x_offset);
      int32_t value;
      if (sizeof(Bias) == 4) {
        if (bias != nullptr) acc += bias[u];
        value = multiply_by_quantized_multiplier(wrap32(acc), m.multiplier, m.shift);
      } else {
        if (bias != nullptr) acc = lstm::wrapping_add64(acc, static_cast<int64_t>(bias[u]));
        value = lstm::requantize64(acc, m);
      }
      out[static_cast<int64_t>(r) * units + u] = lstm::saturate_int16(value);
    }
  }
}

// Requantized elementwise product of two Q0.15 / cell values (TFLite's MulElementwise).
inline int32_t mul_requantize(int32_t a, int32_t b, QuantizedMultiplier m, int32_t offset,
                              int32_t lo, int32_t hi) {
  const int64_t v =
      static_cast<int64_t>(multiply_by_quantized_multiplier(a * b, m.multiplier, m.shift)) + offset;
  return static_cast<int32_t>(v < lo ? lo : (v > hi ? hi : v));
}

template <typename In, typename Bias>
void eval_integer_step(const LstmData& d, EvalContext& ctx, const In* x, In* hidden, int16_t* cell,
                       int32_t rows, In* out, int16_t* scratch) {
  const int32_t n = rows * d.state_size;
  int16_t* gate_buf[4] = {scratch, scratch + n, scratch + 2 * n, scratch + 3 * n};
  int16_t* forget = gate_buf[0];
  int16_t* input_gate = gate_buf[1];
  int16_t* cell_gate = gate_buf[2];
  int16_t* temp = gate_buf[3];

  auto compute_gate = [&](int g, int16_t* result) {
    const GateParams& p = d.gates[g];
    gate_fc<In, Bias>(x, rows, d.input_size, d.input_offset,
                      ctx.input(kInputWeights + g).as<int8_t>(), p.input_weight_offset,
                      ctx.input(kGateBias + g).as<Bias>(), p.input_multiplier, d.state_size,
                      result);
    gate_fc<In, Bias>(hidden, rows, d.state_size, d.hidden_offset,
                      ctx.input(kRecurrentWeights + g).as<int8_t>(), p.recurrent_weight_offset,
                      static_cast<const Bias*>(nullptr), p.recurrent_multiplier, d.state_size,
                      temp);
    const bool sigmoid = g != kCellGate;
    const act::SigmoidInt16Params gate_tanh = lstm::tanh_scaling_for_power(-12);
    for (int32_t i = 0; i < n; ++i) {
      const int16_t sum = lstm::saturate_int16(static_cast<int32_t>(result[i]) + temp[i]);
      result[i] = sigmoid ? lstm::sigmoid_q3_12(sum) : lstm::tanh_int16(sum, gate_tanh);
    }
  };

  compute_gate(kForgetGate, forget);
  compute_gate(kInputGate, input_gate);
  compute_gate(kCellGate, cell_gate);
  for (int32_t i = 0; i < n; ++i) {
    const int32_t kept =
        mul_requantize(forget[i], cell[i], d.forget_cell_multiplier, 0, -32768, 32767);
    const int32_t added =
        mul_requantize(input_gate[i], cell_gate[i], d.input_cell_multiplier, 0, -32768, 32767);
    int32_t c = lstm::saturate_int16(kept + added);
    if (d.clip_cell) c = clamp32(c, -d.quantized_cell_clip, d.quantized_cell_clip);
    cell[i] = static_cast<int16_t>(c);
  }
  int16_t* output_gate = input_gate;
  compute_gate(kOutputGate, output_gate);
  for (int32_t i = 0; i < n; ++i) {
    const int16_t t = lstm::tanh_int16(cell[i], d.cell_tanh);
    hidden[i] = static_cast<In>(mul_requantize(t, output_gate[i], d.hidden_multiplier,
                                               d.hidden_zero_point, d.hidden_min, d.hidden_max));
  }
  memcpy(out, hidden, sizeof(In) * static_cast<size_t>(n));
}

// ---- float ----

inline float logistic(float x) {
  if (x > 16.619047164916992188f) return 1.0f;
  if (x < -9.0f) return expf(x);
  return 1.0f / (1.0f + expf(-x));
}

constexpr float kFloatMax = 3.402823466e+38f;

void float_fc(const float* x, int32_t rows, int32_t depth, const float* w, const float* bias,
              int32_t units, float* out) {
  for (int32_t r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<int64_t>(r) * depth;
    for (int32_t u = 0; u < units; ++u) {
      const float* wu = w + static_cast<int64_t>(u) * depth;
      float total = 0.0f;
      for (int32_t i = 0; i < depth; ++i) total += xr[i] * wu[i];
      if (bias != nullptr) total += bias[u];
      out[static_cast<int64_t>(r) * units + u] = clampf(total, -kFloatMax, kFloatMax);
    }
  }
}

void eval_float_step(const LstmData& d, EvalContext& ctx, const float* x, float* hidden,
                     float* cell, int32_t rows, float* out, float* scratch) {
  const int32_t n = rows * d.state_size;
  float* forget = scratch;
  float* input_gate = scratch + n;
  float* cell_gate = scratch + 2 * n;
  float* temp = scratch + 3 * n;
  auto compute_gate = [&](int g, float* result) {
    float_fc(x, rows, d.input_size, ctx.input(kInputWeights + g).as<float>(),
             ctx.input(kGateBias + g).as<float>(), d.state_size, result);
    float_fc(hidden, rows, d.state_size, ctx.input(kRecurrentWeights + g).as<float>(), nullptr,
             d.state_size, temp);
    const bool sigmoid = g != kCellGate;
    for (int32_t i = 0; i < n; ++i) {
      const float sum = result[i] + temp[i];
      result[i] = sigmoid ? logistic(sum) : tanhf(sum);
    }
  };
  compute_gate(kForgetGate, forget);
  compute_gate(kInputGate, input_gate);
  compute_gate(kCellGate, cell_gate);
  for (int32_t i = 0; i < n; ++i) {
    const float kept = clampf(forget[i] * cell[i], -kFloatMax, kFloatMax);
    const float added = clampf(input_gate[i] * cell_gate[i], -kFloatMax, kFloatMax);
    float c = kept + added;
    if (d.clip_cell) c = clampf(c, -d.cell_clip, d.cell_clip);
    cell[i] = c;
  }
  float* output_gate = input_gate;
  compute_gate(kOutputGate, output_gate);
  for (int32_t i = 0; i < n; ++i)
    hidden[i] = clampf(tanhf(cell[i]) * output_gate[i], -kFloatMax, kFloatMax);
  memcpy(out, hidden, sizeof(float) * static_cast<size_t>(n));
}

// Runs every step: time-major inputs advance all batches together; batch-major inputs run each
// batch's sequence on its own row of the state.
template <typename In, typename Cell, typename Step>
void run_sequence(const LstmData& d, EvalContext& ctx, Step step) {
  const In* x = ctx.input(kInput).as<In>();
  In* hidden = ctx.input(kHiddenState).as<In>();
  Cell* cell = ctx.input(kCellState).as<Cell>();
  In* out = ctx.output(0).as<In>();
  Cell* scratch = static_cast<Cell*>(ctx.scratch());
  const int64_t in_row = d.input_size, state_row = d.state_size;
  if (d.time_major) {
    for (int32_t t = 0; t < d.time_steps; ++t) {
      const int64_t first = static_cast<int64_t>(t) * d.batches;
      step(d, ctx, x + first * in_row, hidden, cell, d.batches, out + first * state_row, scratch);
    }
  } else {
    for (int32_t b = 0; b < d.batches; ++b) {
      for (int32_t t = 0; t < d.time_steps; ++t) {
        const int64_t index = static_cast<int64_t>(b) * d.time_steps + t;
        step(d, ctx, x + index * in_row, hidden + b * state_row, cell + b * state_row, 1,
             out + index * state_row, scratch);
      }
    }
  }
}

Status eval(EvalContext& ctx) {
  const LstmData& d = *ctx.persistent<LstmData>();
  switch (d.type) {
    case DataType::kFloat32:
      run_sequence<float, float>(d, ctx, eval_float_step);
      break;
    case DataType::kInt8:
      run_sequence<int8_t, int16_t>(d, ctx, eval_integer_step<int8_t, int32_t>);
      break;
    default:
      run_sequence<int16_t, int16_t>(d, ctx, eval_integer_step<int16_t, int64_t>);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_UNIDIRECTIONAL_SEQUENCE_LSTM = {
    static_cast<int32_t>(tflite::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM),
    1,
    4,
    prepare,
    eval,
    false};

}  // namespace tinyforge
