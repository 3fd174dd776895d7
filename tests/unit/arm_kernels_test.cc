// The Arm DSP fast kernels (runtime/src/kernels/arm) against the reference kernels: on random
// shapes, strides, paddings, dilations, channel counts and quantization parameters the output
// bytes must be identical. On the host the fast kernels run with the portable form of the SIMD
// operations; on QEMU boards whose cores have the DSP extension (Cortex-M4F, Cortex-M55) the
// firmware registers them in place of the reference kernels, and the same random operators must
// give the bytes the host's reference kernels give.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/arm/fallback.h"
#include "kernels/arm/requantize.h"
#include "kernels/kernel.h"
#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/require_qemu.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "tinyforge/model.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/model_file.h"

namespace tinyforge {
extern const KernelRegistration kKernel_CONV_2D;
extern const KernelRegistration kKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kKernel_FULLY_CONNECTED;
extern const KernelRegistration kDspKernel_CONV_2D;
extern const KernelRegistration kDspKernel_DEPTHWISE_CONV_2D;
extern const KernelRegistration kDspKernel_FULLY_CONNECTED;
}  // namespace tinyforge

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;
using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::BuiltinOptions;
using tflite::Padding;

enum class OpKind { kConv, kDepthwise, kFullyConnected };

template <typename T>
T pick(std::mt19937& rng, std::initializer_list<T> values) {
  return values.begin()[random_int<size_t>(rng, 0, values.size() - 1)];
}

int64_t output_extent(bool same, int in, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  return same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
}

// Quantization of one random operator: input and output per tensor, filter per channel or not.
struct RandomQuant {
  Quant input, filter, output, bias;
  ActivationFunctionType activation;
};

RandomQuant random_quant(std::mt19937& rng, int channels, int filter_quant_dim, int taps) {
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
  q.activation = pick(rng, {ActivationFunctionType::NONE, ActivationFunctionType::RELU,
                            ActivationFunctionType::RELU6, ActivationFunctionType::RELU_N1_TO_1});
  return q;
}

// Adds random int8 filter and (maybe absent) int32 bias constants; returns the bias tensor or -1.
int add_weights(ModelBuilder& m, std::mt19937& rng, std::vector<int32_t> filter_shape,
                const RandomQuant& q, int channels, int* filter) {
  size_t n = 1;
  for (int32_t d : filter_shape) n *= static_cast<size_t>(d);
  *filter = m.add_constant(DataType::kInt8, filter_shape, random_values<int8_t>(rng, n, -127, 127),
                           q.filter);
  if (random_int<int>(rng, 0, 4) == 0) return -1;
  // Large biases now and then: the accumulators must wrap the same way.
  const int64_t range = random_int<int>(rng, 0, 5) == 0 ? (int64_t{1} << 31) - 1 : 30000;
  return m.add_constant(DataType::kInt32, {channels},
                        random_values<int32_t>(rng, static_cast<size_t>(channels), -range, range),
                        q.bias);
}

// Adds one random int8 operator of `kind` with its own graph input and output to `m`, and a
// random input for it to `inputs`.
void add_random_op(ModelBuilder& m, std::mt19937& rng, OpKind kind,
                   std::vector<std::vector<uint8_t>>* inputs) {
  std::vector<int32_t> in_shape, filter_shape, out_shape;
  int channels = 0, taps = 1;
  Padding padding = Padding::VALID;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, multiplier = 1;
  if (kind == OpKind::kFullyConnected) {
    const int batches = random_int<int>(rng, 1, 3), depth = random_int<int>(rng, 1, 40);
    channels = random_int<int>(rng, 1, 11);
    in_shape = {batches, depth};
    filter_shape = {channels, depth};
    out_shape = {batches, channels};
    taps = depth;
  } else {
    for (;;) {
      const int batches = random_int<int>(rng, 1, 2);
      const int in_h = random_int<int>(rng, 1, 9), in_w = random_int<int>(rng, 1, 9);
      const bool pointwise = random_int<int>(rng, 0, 3) == 0;
      const int filter_h = pointwise ? 1 : random_int<int>(rng, 1, 4);
      const int filter_w = pointwise ? 1 : random_int<int>(rng, 1, 4);
      stride_h = random_int<int>(rng, 1, 3);
      stride_w = random_int<int>(rng, 1, 3);
      dilation_h = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
      dilation_w = random_int<int>(rng, 0, 3) == 0 ? 2 : 1;
      const bool same = random_int<int>(rng, 0, 1) == 1;
      padding = same ? Padding::SAME : Padding::VALID;
      const int64_t out_h = output_extent(same, in_h, filter_h, stride_h, dilation_h);
      const int64_t out_w = output_extent(same, in_w, filter_w, stride_w, dilation_w);
      if (out_h < 1 || out_w < 1) continue;
      const int in_depth = pick(rng, {1, 2, 3, 4, 5, 7, 8, 12, 16, 17});
      if (kind == OpKind::kConv) {
        channels = pick(rng, {1, 2, 3, 4, 5, 8, 9, 16});
        filter_shape = {channels, filter_h, filter_w, in_depth};
        taps = filter_h * filter_w * in_depth;
      } else {
        multiplier = pick(rng, {1, 1, 1, 2, 4, 8});
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
  }
  m.add_output(out);
}

struct KernelRun {
  std::vector<uint8_t> output;
  bool fast_path = false;  // for a fast kernel: whether it took its fast path
};

// Runs operator 0 of a one-operator model with `kernel`, as the interpreter would: sizing
// prepare, prepare with memory, eval with the requested scratch.
KernelRun run_kernel(const std::vector<uint8_t>& bytes, const std::vector<uint8_t>& input,
                     const KernelRegistration& kernel, bool is_fast_kernel) {
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
  std::memcpy(buffers[model.input_tensor(0)].data(), input.data(), input.size());
  ErrorMessage error;
  PrepareContext sizing(model, 0, tensor_data.data(), &error, nullptr, 0);
  EXPECT_EQ(kernel.prepare(sizing), Status::kOk) << error.c_str();
  std::vector<uint64_t> persistent(sizing.persistent_used() / 8 + 1);
  std::vector<uint8_t> scratch(sizing.scratch_bytes());
  PrepareContext prepare(model, 0, tensor_data.data(), &error,
                         reinterpret_cast<uint8_t*>(persistent.data()), persistent.size() * 8);
  EXPECT_EQ(kernel.prepare(prepare), Status::kOk) << error.c_str();
  EXPECT_EQ(prepare.scratch_bytes(), sizing.scratch_bytes());
  EvalContext eval(model, 0, tensor_data.data(), &error, persistent.data(), scratch.data());
  EXPECT_EQ(kernel.eval(eval), Status::kOk) << error.c_str();
  KernelRun run;
  const TensorView out = model.tensor(model.output_tensor(0));
  const auto& out_buffer = buffers[model.output_tensor(0)];
  run.output.assign(out_buffer.begin(), out_buffer.begin() + static_cast<int64_t>(out.bytes()));
  if (is_fast_kernel)
    run.fast_path = reinterpret_cast<const fast::FallbackHeader*>(persistent.data())->use_fast_path;
  return run;
}

void expect_fast_matches_reference(OpKind kind, const KernelRegistration& reference,
                                   const KernelRegistration& fast, unsigned seed) {
  std::mt19937 rng(seed);
  int fast_cases = 0;
  for (int trial = 0; trial < 300; ++trial) {
    ModelBuilder m;
    std::vector<std::vector<uint8_t>> inputs;
    add_random_op(m, rng, kind, &inputs);
    const std::vector<uint8_t> bytes = m.finish();
    const KernelRun want = run_kernel(bytes, inputs[0], reference, false);
    const KernelRun got = run_kernel(bytes, inputs[0], fast, true);
    ASSERT_EQ(got.output, want.output) << "trial " << trial;
    fast_cases += got.fast_path ? 1 : 0;
  }
  EXPECT_GT(fast_cases, 150);
}

TEST(ArmKernels, RequantizationEqualsTfliteOnRandomValues) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const double real = std::exp(std::uniform_real_distribution<double>(-20.0, 5.0)(rng));
    const QuantizedMultiplier m = quantize_multiplier(real);
    const int32_t x = i % 3 == 0 ? random_int<int32_t>(rng, INT32_MIN, INT32_MAX)
                                 : random_int<int32_t>(rng, -100000, 100000);
    ASSERT_EQ(fast::multiply_by_quantized_multiplier(x, m),
              multiply_by_quantized_multiplier(x, m.multiplier, m.shift))
        << x << " " << m.multiplier << " " << m.shift;
  }
}

TEST(ArmKernels, ConvMatchesReferenceOnRandomOperators) {
  expect_fast_matches_reference(OpKind::kConv, kKernel_CONV_2D, kDspKernel_CONV_2D, 11);
}

TEST(ArmKernels, DepthwiseMatchesReferenceOnRandomOperators) {
  expect_fast_matches_reference(OpKind::kDepthwise, kKernel_DEPTHWISE_CONV_2D,
                                kDspKernel_DEPTHWISE_CONV_2D, 12);
}

TEST(ArmKernels, FullyConnectedMatchesReferenceOnRandomOperators) {
  expect_fast_matches_reference(OpKind::kFullyConnected, kKernel_FULLY_CONNECTED,
                                kDspKernel_FULLY_CONNECTED, 13);
}

// One model of many independent random operators (one input and output each) runs on `board`,
// whose firmware uses the fast kernels; the host's reference kernels give the expected bytes.
void expect_board_matches_reference(const std::string& board, unsigned seed) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tf_arm_" + board);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  int cases = 0;
  // The generic runner takes at most 32 input and 32 output files: 30 operators per model.
  for (int model = 0; model < 6; ++model) {
    const OpKind kind = static_cast<OpKind>(model % 3);
    ModelBuilder m;
    std::vector<std::vector<uint8_t>> inputs;
    for (int i = 0; i < 30; ++i) add_random_op(m, rng, kind, &inputs);
    const std::vector<uint8_t> bytes = m.finish();
    const RunResult want = run_model(bytes, inputs);
    ASSERT_EQ(want.status, Status::kOk) << want.message;
    const std::string stem = "m" + std::to_string(model);
    host::write_file(dir / (stem + ".tflite"), bytes.data(), bytes.size());
    std::vector<fs::path> input_files;
    for (size_t i = 0; i < inputs.size(); ++i) {
      input_files.push_back(dir / (stem + "_" + std::to_string(i) + ".bin"));
      host::write_file(input_files.back(), inputs[i].data(), inputs[i].size());
    }
    const deploy::BoardRun got =
        deploy::run_model_on_board(board, dir / (stem + ".tflite"), input_files);
    ASSERT_EQ(got.outputs.size(), want.outputs.size());
    for (size_t o = 0; o < got.outputs.size(); ++o) {
      EXPECT_EQ(got.outputs[o], want.outputs[o])
          << board << " model " << model << " operator " << o;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 180);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  expect_board_matches_reference("mps2-an386", 21);
}

TEST(QemuArmKernels, RandomOperatorsMatchReferenceOnMps3An547) {
  TINYFORGE_REQUIRE_QEMU();
  expect_board_matches_reference("mps3-an547", 22);
}

}  // namespace
}  // namespace tinyforge::testing
