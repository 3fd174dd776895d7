// Random int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, ADD and SUB operators
// (shapes, strides, paddings, dilations, channel counts and quantization drawn from given ranges)
// and the checks that a fast kernel gives the reference kernel's bytes on them: one operator at a
// time on the host, and many operators in one model on an emulated board whose firmware registers
// the fast kernels.
#ifndef TINYFORGE_TESTS_SUPPORT_RANDOM_OPS_H_
#define TINYFORGE_TESTS_SUPPORT_RANDOM_OPS_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kernels/arm/fallback.h"
#include "kernels/kernel.h"
#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tinyforge/model.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {

enum class OpKind { kConv, kDepthwise, kFullyConnected, kAveragePool, kAdd, kSub };
constexpr int kOpKinds = 6;

// Where the random shapes come from: lists are picked from uniformly, ranges are inclusive.
struct OpRanges {
  int max_image = 9;                         // input height and width: 1 .. max_image
  int max_filter = 4;                        // filter height and width (non-pointwise)
  std::vector<int> depths;                   // input channels of the convolutions
  std::vector<int> conv_channels;            // CONV_2D output channels
  std::vector<int> depth_multipliers;        // DEPTHWISE_CONV_2D
  int max_fc_depth = 40, max_fc_units = 11;  // FULLY_CONNECTED
};

template <typename T>
T pick(std::mt19937& rng, const std::vector<T>& values) {
  return values[random_int<size_t>(rng, 0, values.size() - 1)];
}

inline int64_t output_extent(bool same, int in, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  return same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
}

// Quantization of one random operator: input and output per tensor, filter per channel or not.
struct RandomQuant {
  Quant input, filter, output, bias;
  tflite::ActivationFunctionType activation;
};

inline RandomQuant random_quant(std::mt19937& rng, int channels, int filter_quant_dim, int taps) {
  using tflite::ActivationFunctionType;
  RandomQuant q;
  const float in_scale = random_scale(rng, 1e-3f, 0.1f);
  q.input = per_tensor(in_scale, random_int<int64_t>(rng, -128, 127));
  const bool per_channel = random_int<int>(rng, 0, 2) != 0;
  std::vector<float> w_scales(per_channel ? channels : 1);
  for (float& s : w_scales) s = random_scale(rng, 1e-3f, 0.05f);
  q.filter = Quant{w_scales, std::vector<int64_t>(w_scales.size(), 0), filter_quant_dim};
  // Mostly multipliers below one; sometimes above (a left shift in the requantization).
  const float spread = random_int<int>(rng, 0, 4) == 0 ? random_scale(rng, 0.05f, 1.0f)
                                                       : random_scale(rng, 1.0f, 100.0f);
  q.output = per_tensor(in_scale * w_scales[0] * std::sqrt(static_cast<float>(taps)) * spread,
                        random_int<int64_t>(rng, -128, 127));
  std::vector<float> b_scales;
  for (float s : w_scales) b_scales.push_back(s * in_scale);
  q.bias = Quant{b_scales, std::vector<int64_t>(b_scales.size(), 0), 0};
  q.activation =
      pick(rng, std::vector<ActivationFunctionType>{
                    ActivationFunctionType::NONE, ActivationFunctionType::RELU,
                    ActivationFunctionType::RELU6, ActivationFunctionType::RELU_N1_TO_1});
  return q;
}

// Adds random int8 filter and (maybe absent) int32 bias constants; returns the bias tensor or -1.
inline int add_weights(ModelBuilder& m, std::mt19937& rng, std::vector<int32_t> filter_shape,
                       const RandomQuant& q, int channels, int* filter) {
  size_t n = 1;
  for (int32_t d : filter_shape) n *= static_cast<size_t>(d);
  // The full int8 range now and then: -128 weights are legal in per-channel files too.
  const int lowest = random_int<int>(rng, 0, 3) == 0 ? -128 : -127;
  *filter = m.add_constant(DataType::kInt8, filter_shape,
                           random_values<int8_t>(rng, n, lowest, 127), q.filter);
  if (random_int<int>(rng, 0, 4) == 0) return -1;
  // Large biases now and then: the accumulators must wrap the same way.
  const int64_t range = random_int<int>(rng, 0, 5) == 0 ? (int64_t{1} << 31) - 1 : 30000;
  return m.add_constant(DataType::kInt32, {channels},
                        random_values<int32_t>(rng, static_cast<size_t>(channels), -range, range),
                        q.bias);
}

// Adds one random int8 operator of `kind` with its own graph input and output to `m`, and a
// random input for it to `inputs`.
// An AVERAGE_POOL_2D: windows up to max_filter (sometimes the whole image, a global pool),
// input and output sharing their quantization as TFLite requires.
inline void add_random_pool(ModelBuilder& m, std::mt19937& rng, const OpRanges& r,
                            std::vector<std::vector<uint8_t>>* inputs) {
  for (;;) {
    const int batches = random_int<int>(rng, 1, 2);
    const int in_h = random_int<int>(rng, 1, r.max_image),
              in_w = random_int<int>(rng, 1, r.max_image);
    const bool global = random_int<int>(rng, 0, 4) == 0;
    const int filter_h = global ? in_h : random_int<int>(rng, 1, r.max_filter);
    const int filter_w = global ? in_w : random_int<int>(rng, 1, r.max_filter);
    const int stride_h = random_int<int>(rng, 1, 3), stride_w = random_int<int>(rng, 1, 3);
    const bool same = !global && random_int<int>(rng, 0, 1) == 1;
    const int64_t out_h = output_extent(same, in_h, filter_h, stride_h, 1);
    const int64_t out_w = output_extent(same, in_w, filter_w, stride_w, 1);
    if (out_h < 1 || out_w < 1) continue;
    const int depth = pick(rng, r.depths);
    const RandomQuant q = random_quant(rng, 1, 0, 1);
    const int in = m.add_input(DataType::kInt8, {batches, in_h, in_w, depth}, q.input);
    const int out = m.add_tensor(
        DataType::kInt8, {batches, static_cast<int32_t>(out_h), static_cast<int32_t>(out_w), depth},
        q.input);
    inputs->push_back(to_bytes(
        random_values<int8_t>(rng, static_cast<size_t>(batches) * in_h * in_w * depth, -128, 127)));
    auto options =
        tflite::CreatePool2DOptions(m.fbb(), same ? tflite::Padding::SAME : tflite::Padding::VALID,
                                    stride_w, stride_h, filter_w, filter_h, q.activation)
            .Union();
    m.add_op(tflite::BuiltinOperator::AVERAGE_POOL_2D, {in}, {out},
             tflite::BuiltinOptions::Pool2DOptions, options, 2);
    m.add_output(out);
    return;
  }
}

// An ADD or SUB of two int8 tensors with their own quantization: mostly of one shape, sometimes
// the second broadcast along the channels.
inline void add_random_binary(ModelBuilder& m, std::mt19937& rng, const OpRanges& r, bool sub,
                              std::vector<std::vector<uint8_t>>* inputs) {
  const std::vector<int32_t> shape = {
      random_int<int32_t>(rng, 1, 2), random_int<int32_t>(rng, 1, r.max_image),
      random_int<int32_t>(rng, 1, r.max_image), pick(rng, r.depths)};
  const bool broadcast = random_int<int>(rng, 0, 4) == 0;
  const std::vector<int32_t> second = broadcast ? std::vector<int32_t>{shape[3]} : shape;
  auto quant = [&] {
    return per_tensor(random_scale(rng, 1e-3f, 0.5f), random_int<int64_t>(rng, -128, 127));
  };
  const Quant qa = quant(), qb = quant(), qo = quant();
  const int a = m.add_input(DataType::kInt8, shape, qa);
  const int b = m.add_input(DataType::kInt8, second, qb);
  const int out = m.add_tensor(DataType::kInt8, shape, qo);
  for (const auto& s : {shape, second}) {
    size_t n = 1;
    for (int32_t d : s) n *= static_cast<size_t>(d);
    inputs->push_back(to_bytes(random_values<int8_t>(rng, n, -128, 127)));
  }
  const auto activation =
      pick(rng, std::vector<tflite::ActivationFunctionType>{tflite::ActivationFunctionType::NONE,
                                                            tflite::ActivationFunctionType::RELU,
                                                            tflite::ActivationFunctionType::RELU6});
  if (sub) {
    m.add_op(tflite::BuiltinOperator::SUB, {a, b}, {out}, tflite::BuiltinOptions::SubOptions,
             tflite::CreateSubOptions(m.fbb(), activation).Union(), 2);
  } else {
    m.add_op(tflite::BuiltinOperator::ADD, {a, b}, {out}, tflite::BuiltinOptions::AddOptions,
             tflite::CreateAddOptions(m.fbb(), activation).Union(), 2);
  }
  m.add_output(out);
}

inline void add_random_op(ModelBuilder& m, std::mt19937& rng, OpKind kind, const OpRanges& r,
                          std::vector<std::vector<uint8_t>>* inputs) {
  if (kind == OpKind::kAveragePool) {
    add_random_pool(m, rng, r, inputs);
    return;
  }
  if (kind == OpKind::kAdd || kind == OpKind::kSub) {
    add_random_binary(m, rng, r, kind == OpKind::kSub, inputs);
    return;
  }
  using tflite::BuiltinOperator;
  using tflite::BuiltinOptions;
  using tflite::Padding;
  std::vector<int32_t> in_shape, filter_shape, out_shape;
  int channels = 0, taps = 1;
  Padding padding = Padding::VALID;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, multiplier = 1;
  if (kind == OpKind::kFullyConnected) {
    const int batches = random_int<int>(rng, 1, 3), depth = random_int<int>(rng, 1, r.max_fc_depth);
    channels = random_int<int>(rng, 1, r.max_fc_units);
    in_shape = {batches, depth};
    filter_shape = {channels, depth};
    out_shape = {batches, channels};
    taps = depth;
  } else {
    for (;;) {
      const int batches = random_int<int>(rng, 1, 2);
      const int in_h = random_int<int>(rng, 1, r.max_image);
      const int in_w = random_int<int>(rng, 1, r.max_image);
      const bool pointwise = random_int<int>(rng, 0, 3) == 0;
      const int filter_h = pointwise ? 1 : random_int<int>(rng, 1, r.max_filter);
      const int filter_w = pointwise ? 1 : random_int<int>(rng, 1, r.max_filter);
      stride_h = random_int<int>(rng, 1, 3);
      stride_w = random_int<int>(rng, 1, 3);
      dilation_h = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
      dilation_w = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
      const bool same = random_int<int>(rng, 0, 1) == 1;
      padding = same ? Padding::SAME : Padding::VALID;
      const int64_t out_h = output_extent(same, in_h, filter_h, stride_h, dilation_h);
      const int64_t out_w = output_extent(same, in_w, filter_w, stride_w, dilation_w);
      if (out_h < 1 || out_w < 1) continue;
      const int in_depth = pick(rng, r.depths);
      if (kind == OpKind::kConv) {
        channels = pick(rng, r.conv_channels);
        filter_shape = {channels, filter_h, filter_w, in_depth};
        taps = filter_h * filter_w * in_depth;
      } else {
        multiplier = pick(rng, r.depth_multipliers);
        channels = in_depth * multiplier;
        filter_shape = {1, filter_h, filter_w, channels};
        taps = filter_h * filter_w;
      }
      in_shape = {batches, in_h, in_w, in_depth};
      out_shape = {batches, static_cast<int32_t>(out_h), static_cast<int32_t>(out_w), channels};
      break;
    }
  }
  const RandomQuant q = random_quant(rng, channels, kind == OpKind::kDepthwise ? 3 : 0, taps);
  const int in = m.add_input(DataType::kInt8, in_shape, q.input);
  int filter;
  const int bias = add_weights(m, rng, filter_shape, q, channels, &filter);
  const int out = m.add_tensor(DataType::kInt8, out_shape, q.output);
  size_t in_elements = 1;
  for (int32_t d : in_shape) in_elements *= static_cast<size_t>(d);
  inputs->push_back(to_bytes(random_values<int8_t>(rng, in_elements, -128, 127)));
  switch (kind) {
    case OpKind::kConv: {
      auto options = tflite::CreateConv2DOptions(m.fbb(), padding, stride_w, stride_h, q.activation,
                                                 dilation_w, dilation_h)
                         .Union();
      m.add_op(BuiltinOperator::CONV_2D, {in, filter, bias}, {out}, BuiltinOptions::Conv2DOptions,
               options, 5);
      break;
    }
    case OpKind::kDepthwise: {
      auto options =
          tflite::CreateDepthwiseConv2DOptions(m.fbb(), padding, stride_w, stride_h, multiplier,
                                               q.activation, dilation_w, dilation_h)
              .Union();
      m.add_op(BuiltinOperator::DEPTHWISE_CONV_2D, {in, filter, bias}, {out},
               BuiltinOptions::DepthwiseConv2DOptions, options, 6);
      break;
    }
    case OpKind::kFullyConnected: {
      auto options = tflite::CreateFullyConnectedOptions(m.fbb(), q.activation).Union();
      m.add_op(BuiltinOperator::FULLY_CONNECTED, {in, filter, bias}, {out},
               BuiltinOptions::FullyConnectedOptions, options, 4);
      break;
    }
    default:
      break;  // add_random_pool, add_random_binary
  }
  m.add_output(out);
}

struct KernelRun {
  std::vector<uint8_t> output;
  bool fast_path = false;           // for a fast kernel: whether it took its fast path
  bool short_accumulators = false;  // ... and its short requantization (arm/requantize.h)
  bool in_place = false;            // whether the output was written over the input
};

// Where run_kernel puts the output: in a buffer of its own, or over the input where the kernel
// offers that, `lead` (the kernel's own) plus `slack` bytes before it, as the planner may.
struct Placement {
  bool over_input = false;
  int64_t slack = 0;
};

// Runs operator 0 of a one-operator model with `kernel`, as the interpreter would: sizing
// prepare, prepare with memory, eval with the requested scratch. A fast kernel's persistent block
// starts with its fast::FallbackHeader.
inline KernelRun run_kernel(const std::vector<uint8_t>& bytes,
                            const std::vector<std::vector<uint8_t>>& inputs,
                            const KernelRegistration& kernel, bool is_fast_kernel,
                            Placement placement = {}) {
  host::AlignedBytes aligned(bytes.size());
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  Model model;
  EXPECT_EQ(model.load(aligned.data(), aligned.size()), Status::kOk) << model.error();
  std::vector<std::vector<uint8_t>> buffers(model.num_tensors());
  std::vector<void*> tensor_data(model.num_tensors(), nullptr);
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = model.tensor(t);
    if (v.is_constant || !v.present()) continue;
    buffers[t].assign(v.bytes(), 0x5A);
    tensor_data[t] = buffers[t].data();
  }
  const int in = model.input_tensor(0), out = model.output_tensor(0);
  ErrorMessage error;
  PrepareContext sizing(model, 0, tensor_data.data(), &error, nullptr, 0);
  EXPECT_EQ(kernel.prepare(sizing), Status::kOk) << error.c_str();
  KernelRun run;
  std::vector<uint8_t> shared;  // input and output together when in place
  run.in_place = placement.over_input && (sizing.in_place_inputs() & 1u) != 0;
  if (run.in_place) {
    const int64_t in_bytes = static_cast<int64_t>(buffers[in].size());
    const int64_t out_bytes = static_cast<int64_t>(buffers[out].size());
    // The output starts `shift` bytes before the input (after it where negative).
    const int64_t shift = std::max<int64_t>(sizing.in_place_lead(), -in_bytes) + placement.slack;
    const int64_t in_at = std::max<int64_t>(shift, 0), out_at = in_at - shift;
    shared.assign(static_cast<size_t>(std::max(in_at + in_bytes, out_at + out_bytes)), 0x5A);
    tensor_data[in] = shared.data() + in_at;
    tensor_data[out] = shared.data() + out_at;
  }
  for (int i = 0; i < model.num_inputs() && i < static_cast<int>(inputs.size()); ++i)
    std::memcpy(tensor_data[model.input_tensor(i)], inputs[i].data(), inputs[i].size());
  std::vector<uint64_t> persistent(sizing.persistent_used() / 8 + 1);
  std::vector<uint8_t> scratch(sizing.scratch_bytes());
  PrepareContext prepare(model, 0, tensor_data.data(), &error,
                         reinterpret_cast<uint8_t*>(persistent.data()), persistent.size() * 8);
  EXPECT_EQ(kernel.prepare(prepare), Status::kOk) << error.c_str();
  EXPECT_EQ(prepare.scratch_bytes(), sizing.scratch_bytes());
  EXPECT_EQ(prepare.persistent_used(), sizing.persistent_used());
  EvalContext eval(model, 0, tensor_data.data(), &error, persistent.data(), scratch.data());
  EXPECT_EQ(kernel.eval(eval), Status::kOk) << error.c_str();
  const auto* result = static_cast<const uint8_t*>(tensor_data[out]);
  run.output.assign(result, result + model.tensor(out).bytes());
  if (is_fast_kernel) {
    const auto* header = reinterpret_cast<const fast::FallbackHeader*>(persistent.data());
    run.fast_path = header->use_fast_path;
    run.short_accumulators = header->use_fast_path && header->short_accumulators;
  }
  return run;
}

// `trials` random operators: the fast kernel's output bytes must equal the reference kernel's, in
// a buffer of their own and written over the input wherever the fast kernel offers that (at its
// lead exactly and with some slack). Returns how many took the fast path; `short_cases` (if
// given) counts those that used the short requantization.
inline int expect_fast_matches_reference(OpKind kind, const OpRanges& ranges,
                                         const KernelRegistration& reference,
                                         const KernelRegistration& fast, unsigned seed, int trials,
                                         int* short_cases = nullptr) {
  std::mt19937 rng(seed);
  int fast_cases = 0, in_place_cases = 0;
  for (int trial = 0; trial < trials; ++trial) {
    ModelBuilder m;
    std::vector<std::vector<uint8_t>> inputs;
    add_random_op(m, rng, kind, ranges, &inputs);
    const std::vector<uint8_t> bytes = m.finish();
    const KernelRun want = run_kernel(bytes, inputs, reference, false);
    const KernelRun got = run_kernel(bytes, inputs, fast, true);
    EXPECT_EQ(got.output, want.output) << "trial " << trial;
    if (got.output != want.output) break;
    fast_cases += got.fast_path ? 1 : 0;
    if (short_cases != nullptr) *short_cases += got.short_accumulators ? 1 : 0;
    for (int64_t slack : {int64_t{0}, random_int<int64_t>(rng, 1, 40)}) {
      const KernelRun over = run_kernel(bytes, inputs, fast, true, Placement{true, slack});
      EXPECT_EQ(over.output, want.output) << "trial " << trial << " in place, slack " << slack;
      in_place_cases += over.in_place && slack == 0 ? 1 : 0;
      const KernelRun reference_over =
          run_kernel(bytes, inputs, reference, false, Placement{true, slack});
      EXPECT_EQ(reference_over.output, want.output)
          << "trial " << trial << " reference in place, slack " << slack;
    }
  }
  // Convolutions and pooling offer to run in place on most shapes; fully connected never does.
  if (kind != OpKind::kFullyConnected) EXPECT_GT(in_place_cases, trials / 4);
  return fast_cases;
}

// `models` models of independent random operators, 30 each (15 of the two-input ADD and SUB;
// kinds in turn; the generic runner takes at most 32 inputs and outputs) run on `board`, whose
// firmware registers its fast kernels; the host's reference kernels give the expected bytes.
// Returns the number of operators compared.
inline int expect_board_matches_reference(const std::string& board, const OpRanges& ranges,
                                          unsigned seed, int models) {
  namespace fs = std::filesystem;
  // One directory per board and seed: tests of different kernel sets may run at the same time.
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("tf_random_ops_" + board + "_" + std::to_string(seed));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  int cases = 0;
  for (int model = 0; model < models; ++model) {
    const OpKind kind = static_cast<OpKind>(model % kOpKinds);
    ModelBuilder m;
    std::vector<std::vector<uint8_t>> inputs;
    const int ops = kind == OpKind::kAdd || kind == OpKind::kSub ? 15 : 30;
    for (int i = 0; i < ops; ++i) add_random_op(m, rng, kind, ranges, &inputs);
    const std::vector<uint8_t> bytes = m.finish();
    const RunResult want = run_model(bytes, inputs);
    EXPECT_EQ(want.status, Status::kOk) << want.message;
    if (want.status != Status::kOk) return cases;
    const std::string stem = "m" + std::to_string(model);
    host::write_file(dir / (stem + ".tflite"), bytes.data(), bytes.size());
    std::vector<fs::path> input_files;
    for (size_t i = 0; i < inputs.size(); ++i) {
      input_files.push_back(dir / (stem + "_" + std::to_string(i) + ".bin"));
      host::write_file(input_files.back(), inputs[i].data(), inputs[i].size());
    }
    const deploy::BoardRun got =
        deploy::run_model_on_board(board, dir / (stem + ".tflite"), input_files);
    EXPECT_EQ(got.outputs.size(), want.outputs.size());
    for (size_t o = 0; o < got.outputs.size() && o < want.outputs.size(); ++o) {
      EXPECT_EQ(got.outputs[o], want.outputs[o])
          << board << " model " << model << " operator " << o;
      cases += got.outputs[o] == want.outputs[o] ? 1 : 0;
    }
  }
  return cases;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_RANDOM_OPS_H_
