// Training compute kernels (FullyConnected, Conv2D, DepthwiseConv2D, Max/AveragePool2D,
// BatchNorm): forward against naive double-precision loops on random shapes, strides, dilations
// and paddings; backward against central finite differences for the input and every weight.
// Kernels are called directly through their OpKernel, as the executor will.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "toolkit/host/error.h"
#include "toolkit/train/executor.h"
#include "toolkit/train/gradient_check.h"
#include "toolkit/train/ops/compute_thread_pool.h"
#include "toolkit/train/ops/registry.h"

namespace tinyforge::train {
namespace {

using graph::Activation;
using graph::Attributes;
using graph::OpType;
using graph::Padding;
using graph::Shape;

Tensor random_tensor(std::mt19937& rng, Shape shape, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(std::move(shape));
  std::uniform_real_distribution<float> u(lo, hi);
  for (float& v : t.values()) v = u(rng);
  return t;
}

int random_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// One node and its inputs, run through the kernel the registry returns for it.
struct OpRun {
  graph::Node node;
  std::vector<Tensor> inputs;
  Tensor output;
  std::vector<Tensor> saved;
  std::mt19937_64 rng{7};

  OpRun(OpType type, Attributes attrs, std::vector<Tensor> in)
      : node{type, "test_node", {}, {}, attrs}, inputs(std::move(in)) {}

  const OpKernel& kernel() const {
    const OpKernel* k = compute_op_kernel(node.type);
    EXPECT_NE(k, nullptr);
    return *k;
  }

  const Tensor& forward(bool training) {
    std::vector<Tensor*> in;
    for (Tensor& t : inputs) in.push_back(&t);
    ForwardContext ctx{node, in, {&output}, training, &rng, saved};
    kernel().forward(ctx);
    return output;
  }

  // Gradients of every input for d loss / d output = out_grad; `skip` inputs get none.
  std::vector<Tensor> backward(const Tensor& out_grad, const std::vector<size_t>& skip = {}) {
    std::vector<Tensor> grads;
    for (const Tensor& t : inputs) grads.emplace_back(t.shape(), 0.0f);
    std::vector<const Tensor*> in;
    std::vector<Tensor*> grad_ptrs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      in.push_back(&inputs[i]);
      const bool skipped = std::find(skip.begin(), skip.end(), i) != skip.end();
      grad_ptrs.push_back(skipped ? nullptr : &grads[i]);
    }
    BackwardContext ctx{node, in, {&output}, {&out_grad}, grad_ptrs, saved};
    kernel().backward(ctx);
    return grads;
  }
};

double activate(Activation a, double v) {
  if (a == Activation::kRelu) return std::max(v, 0.0);
  if (a == Activation::kRelu6) return std::min(std::max(v, 0.0), 6.0);
  return v;
}

void expect_near_tensor(const Tensor& got, const std::vector<double>& want, double tol,
                        const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << what << " element " << i;
  }
}

// ---- TFLite window geometry, derived independently of the kernels ----

struct Geometry {
  int64_t out, pad;
};

Geometry geometry(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding padding) {
  const int64_t effective = (k - 1) * dilation + 1;
  if (padding == Padding::kValid) return {(in - effective) / stride + 1, 0};
  const int64_t out = (in + stride - 1) / stride;
  return {out, std::max<int64_t>((out - 1) * stride + effective - in, 0) / 2};
}

struct ConvCase {
  int n, h, w, c, out_c, kh, kw;  // out_c is the multiplier for depthwise
  Attributes attrs;
  bool bias;
};

std::string describe(const ConvCase& c) {
  return "x [" + std::to_string(c.n) + "," + std::to_string(c.h) + "," + std::to_string(c.w) + "," +
         std::to_string(c.c) + "] k " + std::to_string(c.kh) + "x" + std::to_string(c.kw) +
         " out " + std::to_string(c.out_c) + " stride " + std::to_string(c.attrs.stride_h) + "," +
         std::to_string(c.attrs.stride_w) + " dilation " + std::to_string(c.attrs.dilation_h) +
         "," + std::to_string(c.attrs.dilation_w) +
         (c.attrs.padding == Padding::kSame ? " SAME" : " VALID") + " act " +
         std::to_string(static_cast<int>(c.attrs.activation)) + (c.bias ? " bias" : "");
}

// A random window case whose VALID windows fit the input.
ConvCase random_conv_case(std::mt19937& rng, int max_hw = 9) {
  for (;;) {
    ConvCase c;
    c.n = random_int(rng, 1, 3);
    c.h = random_int(rng, 1, max_hw);
    c.w = random_int(rng, 1, max_hw);
    c.c = random_int(rng, 1, 5);
    c.out_c = random_int(rng, 1, 4);
    c.kh = random_int(rng, 1, 4);
    c.kw = random_int(rng, 1, 4);
    c.attrs.stride_h = random_int(rng, 1, 3);
    c.attrs.stride_w = random_int(rng, 1, 3);
    c.attrs.dilation_h = random_int(rng, 1, 2);
    c.attrs.dilation_w = random_int(rng, 1, 2);
    c.attrs.padding = random_int(rng, 0, 1) ? Padding::kSame : Padding::kValid;
    c.attrs.activation = static_cast<Activation>(random_int(rng, 0, 2));
    c.bias = random_int(rng, 0, 3) != 0;
    if (c.attrs.padding == Padding::kValid &&
        ((c.kh - 1) * c.attrs.dilation_h + 1 > c.h || (c.kw - 1) * c.attrs.dilation_w + 1 > c.w)) {
      continue;
    }
    return c;
  }
}

// Naive NHWC convolution in double; depthwise reads input channel o / multiplier.
std::vector<double> reference_conv(const ConvCase& c, bool depthwise, const Tensor& x,
                                   const Tensor& f, const Tensor* b) {
  const Geometry gh = geometry(c.h, c.kh, c.attrs.stride_h, c.attrs.dilation_h, c.attrs.padding);
  const Geometry gw = geometry(c.w, c.kw, c.attrs.stride_w, c.attrs.dilation_w, c.attrs.padding);
  const int64_t out_c = depthwise ? c.c * c.out_c : c.out_c;
  std::vector<double> y;
  for (int64_t n = 0; n < c.n; ++n) {
    for (int64_t oh = 0; oh < gh.out; ++oh) {
      for (int64_t ow = 0; ow < gw.out; ++ow) {
        for (int64_t o = 0; o < out_c; ++o) {
          double acc = b ? (*b)[o] : 0.0;
          for (int64_t kh = 0; kh < c.kh; ++kh) {
            for (int64_t kw = 0; kw < c.kw; ++kw) {
              const int64_t ih = oh * c.attrs.stride_h - gh.pad + kh * c.attrs.dilation_h;
              const int64_t iw = ow * c.attrs.stride_w - gw.pad + kw * c.attrs.dilation_w;
              if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
              const int64_t pixel = ((n * c.h + ih) * c.w + iw) * c.c;
              if (depthwise) {
                acc += double(x[pixel + o / c.out_c]) * f[(kh * c.kw + kw) * out_c + o];
              } else {
                for (int64_t i = 0; i < c.c; ++i) {
                  acc += double(x[pixel + i]) * f[((o * c.kh + kh) * c.kw + kw) * c.c + i];
                }
              }
            }
          }
          y.push_back(activate(c.attrs.activation, acc));
        }
      }
    }
  }
  return y;
}

OpRun make_conv(std::mt19937& rng, const ConvCase& c, bool depthwise) {
  std::vector<Tensor> in;
  in.push_back(random_tensor(rng, {c.n, c.h, c.w, c.c}));
  const int64_t out_c = depthwise ? c.c * c.out_c : c.out_c;
  in.push_back(
      random_tensor(rng, depthwise ? Shape{1, c.kh, c.kw, out_c} : Shape{out_c, c.kh, c.kw, c.c}));
  if (c.bias) in.push_back(random_tensor(rng, {out_c}));
  return OpRun(depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D, c.attrs, std::move(in));
}

// ---- finite differences ----

// loss = sum(output * weights) in double; d loss / d output = weights.
double weighted_sum(const Tensor& out, const Tensor& weights) {
  double s = 0.0;
  for (int64_t i = 0; i < out.size(); ++i) s += double(out[i]) * weights[i];
  return s;
}

// Checks backward's gradient of every input not in `skip` against central differences of the
// forward pass (in training mode when `training`).
void check_gradients(OpRun& run, bool training, const std::string& what,
                     const std::vector<size_t>& skip = {}, double eps = 1e-3, double tol = 1e-2) {
  std::mt19937 rng(99);
  const Tensor out = run.forward(training);
  const Tensor weights = random_tensor(rng, out.shape());
  const std::vector<Tensor> grads = run.backward(weights, skip);
  for (size_t i = 0; i < run.inputs.size(); ++i) {
    if (std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
    for (int64_t e = 0; e < run.inputs[i].size(); ++e) {
      float& v = run.inputs[i][e];
      const float saved_v = v;
      v = saved_v + static_cast<float>(eps);
      const double plus = weighted_sum(run.forward(training), weights);
      v = saved_v - static_cast<float>(eps);
      const double minus = weighted_sum(run.forward(training), weights);
      v = saved_v;
      const double numeric = (plus - minus) / (2 * eps);
      ASSERT_NEAR(grads[i][e], numeric, tol * (1.0 + std::abs(numeric)))
          << what << ": input " << i << " element " << e;
    }
  }
}

// ---- FullyConnected ----

TEST(TrainComputeOps, FullyConnectedForwardMatchesReference) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = random_int(rng, 1, 5), units = random_int(rng, 1, 7);
    // Rank 2 to 4 inputs: higher ranks flatten to [N, in].
    Shape x_shape{n};
    const int extra = random_int(rng, 1, 3);
    for (int d = 0; d < extra; ++d) x_shape.push_back(random_int(rng, 1, 4));
    const int64_t in_size = graph::num_elements(x_shape) / n;
    Attributes attrs;
    attrs.activation = static_cast<Activation>(random_int(rng, 0, 2));
    const bool bias = random_int(rng, 0, 1);
    std::vector<Tensor> in{random_tensor(rng, x_shape, -3, 3),
                           random_tensor(rng, {units, in_size})};
    if (bias) in.push_back(random_tensor(rng, {units}));
    OpRun run(OpType::kFullyConnected, attrs, in);
    const Tensor& y = run.forward(true);
    EXPECT_EQ(y.shape(), (Shape{n, units}));
    std::vector<double> want;
    for (int b = 0; b < n; ++b) {
      for (int u = 0; u < units; ++u) {
        double acc = bias ? in[2][u] : 0.0;
        for (int64_t i = 0; i < in_size; ++i)
          acc += double(in[0][b * in_size + i]) * in[1][u * in_size + i];
        want.push_back(activate(attrs.activation, acc));
      }
    }
    expect_near_tensor(y, want, 1e-5, "trial " + std::to_string(trial));
  }
}

TEST(TrainComputeOps, FullyConnectedGradients) {
  std::mt19937 rng(2);
  for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
    Attributes attrs;
    attrs.activation = act;
    // Wide values so that ReLU6 saturates somewhere.
    OpRun run(OpType::kFullyConnected, attrs,
              {random_tensor(rng, {3, 2, 4}, -3, 3), random_tensor(rng, {5, 8}, -2, 2),
               random_tensor(rng, {5})});
    check_gradients(run, true, "activation " + std::to_string(static_cast<int>(act)));
  }
  // Without bias.
  OpRun run(OpType::kFullyConnected, {}, {random_tensor(rng, {2, 3}), random_tensor(rng, {4, 3})});
  check_gradients(run, true, "no bias");
}

// ---- Conv2D and DepthwiseConv2D ----

TEST(TrainComputeOps, Conv2DForwardMatchesReference) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 150; ++trial) {
    const ConvCase c = random_conv_case(rng);
    OpRun run = make_conv(rng, c, false);
    const Tensor& y = run.forward(trial % 2 == 0);
    const auto want =
        reference_conv(c, false, run.inputs[0], run.inputs[1], c.bias ? &run.inputs[2] : nullptr);
    expect_near_tensor(y, want, 1e-5, describe(c));
  }
}

TEST(TrainComputeOps, Conv2DPointwiseForwardMatchesReference) {
  std::mt19937 rng(4);
  ConvCase c{2, 5, 4, 6, 3, 1, 1, {}, true};
  OpRun run = make_conv(rng, c, false);
  expect_near_tensor(run.forward(true),
                     reference_conv(c, false, run.inputs[0], run.inputs[1], &run.inputs[2]), 1e-5,
                     "1x1");
}

TEST(TrainComputeOps, Conv2DGradients) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 12; ++trial) {
    const ConvCase c = random_conv_case(rng, 7);
    OpRun run = make_conv(rng, c, false);
    check_gradients(run, true, describe(c));
  }
  ConvCase pointwise{2, 3, 4, 5, 3, 1, 1, {}, true};
  OpRun run = make_conv(rng, pointwise, false);
  check_gradients(run, true, "1x1 " + describe(pointwise));
}

// Backward after an inference forward rebuilds the columns it did not keep.
TEST(TrainComputeOps, Conv2DBackwardAfterInferenceForward) {
  std::mt19937 rng(6);
  ConvCase c{2, 6, 5, 3, 4, 3, 2, {}, true};
  c.attrs.padding = Padding::kSame;
  c.attrs.stride_h = 2;
  OpRun run = make_conv(rng, c, false);
  const Tensor out_grad = random_tensor(rng, run.forward(true).shape());
  const std::vector<Tensor> after_training = run.backward(out_grad);
  run.forward(false);
  const std::vector<Tensor> after_inference = run.backward(out_grad);
  for (size_t i = 0; i < after_training.size(); ++i) {
    EXPECT_EQ(after_training[i].values(), after_inference[i].values()) << "input " << i;
  }
}

TEST(TrainComputeOps, DepthwiseConv2DForwardMatchesReference) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 150; ++trial) {
    const ConvCase c = random_conv_case(rng);  // out_c is the channel multiplier
    OpRun run = make_conv(rng, c, true);
    const Tensor& y = run.forward(true);
    const auto want =
        reference_conv(c, true, run.inputs[0], run.inputs[1], c.bias ? &run.inputs[2] : nullptr);
    expect_near_tensor(y, want, 1e-5, describe(c));
  }
}

TEST(TrainComputeOps, DepthwiseConv2DGradients) {
  std::mt19937 rng(8);
  for (int trial = 0; trial < 12; ++trial) {
    const ConvCase c = random_conv_case(rng, 7);
    OpRun run = make_conv(rng, c, true);
    check_gradients(run, true, describe(c));
  }
}

// ---- pooling ----

// Values far apart (a shuffled ramp with step 0.05), so no finite-difference step changes a
// window's maximum. The ramp is offset by 0.05 * (golden ratio - 1): then no sum of up to 16 of
// them (an average-pool window) comes within 0.0017 of a ReLU kink (0 or 6), farther than eps.
Tensor distinct_tensor(std::mt19937& rng, Shape shape) {
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = 0.05f * static_cast<float>(i) - 1.0309017f;
  std::shuffle(t.values().begin(), t.values().end(), rng);
  return t;
}

std::vector<double> reference_pool(const ConvCase& c, bool max, const Tensor& x) {
  const Geometry gh = geometry(c.h, c.kh, c.attrs.stride_h, 1, c.attrs.padding);
  const Geometry gw = geometry(c.w, c.kw, c.attrs.stride_w, 1, c.attrs.padding);
  std::vector<double> y;
  for (int64_t n = 0; n < c.n; ++n) {
    for (int64_t oh = 0; oh < gh.out; ++oh) {
      for (int64_t ow = 0; ow < gw.out; ++ow) {
        for (int64_t ch = 0; ch < c.c; ++ch) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          int count = 0;
          for (int64_t kh = 0; kh < c.kh; ++kh) {
            for (int64_t kw = 0; kw < c.kw; ++kw) {
              const int64_t ih = oh * c.attrs.stride_h - gh.pad + kh;
              const int64_t iw = ow * c.attrs.stride_w - gw.pad + kw;
              if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
              const double v = x[((n * c.h + ih) * c.w + iw) * c.c + ch];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          y.push_back(activate(c.attrs.activation, max ? acc : acc / count));
        }
      }
    }
  }
  return y;
}

ConvCase random_pool_case(std::mt19937& rng, int max_hw = 9) {
  ConvCase c = random_conv_case(rng, max_hw);
  c.attrs.dilation_h = c.attrs.dilation_w = 1;
  c.attrs.filter_h = c.kh = std::min(c.kh, c.h);
  c.attrs.filter_w = c.kw = std::min(c.kw, c.w);
  return c;
}

TEST(TrainComputeOps, PoolForwardMatchesReference) {
  std::mt19937 rng(9);
  for (bool max : {true, false}) {
    for (int trial = 0; trial < 120; ++trial) {
      const ConvCase c = random_pool_case(rng);
      OpRun run(max ? OpType::kMaxPool2D : OpType::kAveragePool2D, c.attrs,
                {random_tensor(rng, {c.n, c.h, c.w, c.c}, -2, 2)});
      expect_near_tensor(run.forward(true), reference_pool(c, max, run.inputs[0]), 1e-5,
                         (max ? "max " : "average ") + describe(c));
    }
  }
}

TEST(TrainComputeOps, PoolGradients) {
  std::mt19937 rng(10);
  for (bool max : {true, false}) {
    for (int trial = 0; trial < 15; ++trial) {
      const ConvCase c = random_pool_case(rng, 7);
      OpRun run(max ? OpType::kMaxPool2D : OpType::kAveragePool2D, c.attrs,
                {distinct_tensor(rng, {c.n, c.h, c.w, c.c})});
      check_gradients(run, true, (max ? "max " : "average ") + describe(c));
    }
  }
}

// The CNN's 2x2 stride-2 max pool: each input gets its window's gradient if it is the maximum.
TEST(TrainComputeOps, MaxPoolRoutesGradientToTheMaximum) {
  Attributes attrs;
  attrs.filter_h = attrs.filter_w = attrs.stride_h = attrs.stride_w = 2;
  OpRun run(OpType::kMaxPool2D, attrs, {Tensor({1, 2, 2, 1}, {1.0f, 4.0f, 3.0f, 2.0f})});
  EXPECT_EQ(run.forward(true).values(), std::vector<float>{4.0f});
  const std::vector<Tensor> g = run.backward(Tensor({1, 1, 1, 1}, {5.0f}));
  EXPECT_EQ(g[0].values(), (std::vector<float>{0.0f, 5.0f, 0.0f, 0.0f}));
}

// ---- BatchNorm ----

OpRun make_batch_norm(std::mt19937& rng, Shape x_shape, float momentum = 0.9f) {
  const int64_t c = x_shape.back();
  Attributes attrs;
  attrs.momentum = momentum;
  attrs.epsilon = 1e-3f;
  return OpRun(
      OpType::kBatchNorm, attrs,
      {random_tensor(rng, x_shape, -2, 3), random_tensor(rng, {c}, 0.5f, 1.5f),
       random_tensor(rng, {c}), random_tensor(rng, {c}), random_tensor(rng, {c}, 0.5f, 2.0f)});
}

TEST(TrainComputeOps, BatchNormTrainingForwardAndMovingStatistics) {
  std::mt19937 rng(11);
  for (const Shape& shape : {Shape{8, 3}, Shape{2, 3, 4, 5}, Shape{1, 1, 1, 2}}) {
    OpRun run = make_batch_norm(rng, shape);
    const std::vector<Tensor> before = run.inputs;
    const Tensor& y = run.forward(true);
    const int64_t c = shape.back(), m = run.inputs[0].size() / c;
    std::vector<double> want(y.size());
    for (int64_t ch = 0; ch < c; ++ch) {
      double mean = 0, var = 0;
      for (int64_t r = 0; r < m; ++r) mean += before[0][r * c + ch];
      mean /= m;
      for (int64_t r = 0; r < m; ++r) var += std::pow(before[0][r * c + ch] - mean, 2);
      var /= m;
      for (int64_t r = 0; r < m; ++r) {
        want[r * c + ch] =
            before[1][ch] * (before[0][r * c + ch] - mean) / std::sqrt(var + 1e-3) + before[2][ch];
      }
      // Keras: moving = moving * momentum + batch * (1 - momentum), biased batch variance.
      EXPECT_NEAR(run.inputs[3][ch], before[3][ch] * 0.9 + mean * 0.1, 1e-5);
      EXPECT_NEAR(run.inputs[4][ch], before[4][ch] * 0.9 + var * 0.1, 1e-5);
    }
    expect_near_tensor(y, want, 1e-4, "shape " + graph::shape_string(shape));
  }
}

TEST(TrainComputeOps, BatchNormInferenceUsesMovingStatistics) {
  std::mt19937 rng(12);
  OpRun run = make_batch_norm(rng, {4, 2, 3});
  const std::vector<Tensor> before = run.inputs;
  const Tensor& y = run.forward(false);
  std::vector<double> want(y.size());
  for (int64_t i = 0; i < y.size(); ++i) {
    const int64_t ch = i % 3;
    want[i] = before[1][ch] * (before[0][i] - before[3][ch]) / std::sqrt(before[4][ch] + 1e-3) +
              before[2][ch];
  }
  expect_near_tensor(y, want, 1e-5, "inference");
  EXPECT_EQ(run.inputs[3].values(), before[3].values());  // state untouched
  EXPECT_EQ(run.inputs[4].values(), before[4].values());
}

TEST(TrainComputeOps, BatchNormGradients) {
  std::mt19937 rng(13);
  // Moving statistics are state: no gradient.
  for (const Shape& shape : {Shape{6, 4}, Shape{2, 3, 3, 2}}) {
    OpRun training = make_batch_norm(rng, shape);
    check_gradients(training, true, "training " + graph::shape_string(shape), {3, 4});
    OpRun inference = make_batch_norm(rng, shape);
    check_gradients(inference, false, "inference " + graph::shape_string(shape), {3, 4});
  }
}

// A mean far from zero must not swamp the variance (statistics are merged per block in double).
TEST(TrainComputeOps, BatchNormVarianceWithLargeMean) {
  std::mt19937 rng(15);
  OpRun run = make_batch_norm(rng, {5000, 2}, 0.0f);  // momentum 0: moving = batch statistics
  for (int64_t i = 0; i < run.inputs[0].size(); ++i) run.inputs[0][i] += 1000.0f;
  run.forward(true);
  for (int64_t ch = 0; ch < 2; ++ch) {
    double mean = 0, var = 0;
    for (int64_t r = 0; r < 5000; ++r) mean += run.inputs[0][r * 2 + ch];
    mean /= 5000;
    for (int64_t r = 0; r < 5000; ++r) var += std::pow(run.inputs[0][r * 2 + ch] - mean, 2);
    var /= 5000;
    EXPECT_NEAR(run.inputs[3][ch], mean, 1e-3);
    EXPECT_NEAR(run.inputs[4][ch], var, 1e-4 * var);
  }
}

// ---- threads ----

// Runs forward and backward with a given number of threads.
std::vector<Tensor> run_with_threads(OpRun run, int threads, const Tensor& out_grad,
                                     const std::vector<size_t>& skip = {}) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  std::vector<Tensor> results{run.forward(true)};
  for (Tensor& g : run.backward(out_grad, skip)) results.push_back(std::move(g));
  omp_set_num_threads(before);
  return results;
}

// Work is split into blocks that do not depend on the thread count, and partial sums are added
// in block order: one thread and four give the same bits. Shapes are large enough for several
// blocks per op.
TEST(TrainComputeOps, ResultsDoNotDependOnThreadCount) {
  std::mt19937 rng(16);
  std::vector<std::pair<OpRun, std::vector<size_t>>> runs;
  ConvCase conv{6, 20, 20, 8, 8, 3, 3, {}, true};
  conv.attrs.padding = Padding::kSame;
  conv.attrs.activation = Activation::kRelu;
  runs.push_back({make_conv(rng, conv, false), {}});
  runs.push_back({make_conv(rng, conv, true), {}});
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  runs.push_back({OpRun(OpType::kMaxPool2D, pool, {random_tensor(rng, {6, 20, 20, 8})}), {}});
  runs.push_back({OpRun(OpType::kAveragePool2D, pool, {random_tensor(rng, {6, 20, 20, 8})}), {}});
  Attributes relu;
  relu.activation = Activation::kRelu;
  runs.push_back({OpRun(OpType::kFullyConnected, relu,
                        {random_tensor(rng, {40, 300}), random_tensor(rng, {40, 300}),
                         random_tensor(rng, {40})}),
                  {}});
  runs.push_back({make_batch_norm(rng, {6, 20, 20, 8}), {3, 4}});
  for (auto& [run, skip] : runs) {
    OpRun probe = run;
    const Tensor out_grad = random_tensor(rng, probe.forward(true).shape());
    const std::vector<Tensor> one = run_with_threads(run, 1, out_grad, skip);
    const std::vector<Tensor> four = run_with_threads(run, 4, out_grad, skip);
    for (size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(one[i].values(), four[i].values())
          << "op " << static_cast<int>(run.node.type) << " result " << i;
    }
  }
}

TEST(TrainComputeThreadPool, RunsEveryTaskOnceAndRethrows) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(3);
  std::vector<std::atomic<int>> hits(1000);
  compute::parallel_for(1000, [&](int64_t i) {
    // Nested calls run inline on the calling thread.
    compute::parallel_for(2, [&](int64_t j) { hits[i] += static_cast<int>(j) + 1; });
  });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 3);
  EXPECT_THROW(compute::parallel_for(10,
                                     [](int64_t i) {
                                       if (i == 7) throw host::Error("task 7");
                                     }),
               host::Error);
  // The pool still works after a failed job.
  std::atomic<int> count{0};
  compute::parallel_for(10, [&](int64_t) { ++count; });
  EXPECT_EQ(count.load(), 10);
  omp_set_num_threads(before);
}

// ---- through the executor ----

// Every compute op in one graph, run by the Executor (shape inference, kernel lookup, gradient
// routing) and checked with the shared finite-difference checker. No fused ReLU here and a small
// step, so no element crosses a kink or changes a window's maximum.
TEST(TrainComputeOps, SmallNetworkGradientsThroughTheExecutor) {
  std::mt19937 rng(17);
  graph::Graph g;
  const int x = g.add_input("x", {-1, 8, 8, 3});
  Attributes same;
  same.padding = Padding::kSame;
  int h = g.add_node(OpType::kConv2D,
                     {x, g.add_parameter("conv_w", random_tensor(rng, {4, 3, 3, 3})),
                      g.add_parameter("conv_b", random_tensor(rng, {4}))},
                     same, "conv");
  h = g.add_node(OpType::kBatchNorm,
                 {h, g.add_parameter("gamma", random_tensor(rng, {4}, 0.5f, 1.5f)),
                  g.add_parameter("beta", random_tensor(rng, {4})),
                  g.add_parameter("moving_mean", Tensor({4}), false),
                  g.add_parameter("moving_variance", Tensor({4}, 1.0f), false)},
                 {}, "bn");
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  h = g.add_node(OpType::kMaxPool2D, {h}, pool, "max");
  Attributes depthwise = same;
  depthwise.stride_h = 2;
  h = g.add_node(OpType::kDepthwiseConv2D,
                 {h, g.add_parameter("dw_w", random_tensor(rng, {1, 3, 3, 8})),
                  g.add_parameter("dw_b", random_tensor(rng, {8}))},
                 depthwise, "depthwise");
  Attributes average = pool;
  average.padding = Padding::kSame;  // 2x4 -> 1x2, windows clipped at the edge
  h = g.add_node(OpType::kAveragePool2D, {h}, average, "average");
  h = g.add_node(OpType::kFullyConnected,
                 {h, g.add_parameter("fc_w", random_tensor(rng, {5, 16})),
                  g.add_parameter("fc_b", random_tensor(rng, {5}))},
                 {}, "fc");
  g.set_outputs({h});
  ASSERT_EQ(g.value(h).shape, (Shape{-1, 5}));

  GradientCheckOptions options;
  options.step = 1e-3;
  const GradientCheckResult r = check_gradients(g, {random_tensor(rng, {3, 8, 8, 3})}, options);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_GT(r.checked, 400);
}

// An empty batch (the last batch of a split can be empty) gives empty outputs and no gradients.
TEST(TrainComputeOps, EmptyBatch) {
  std::mt19937 rng(18);
  Attributes pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  Attributes relu;
  relu.activation = Activation::kRelu;
  std::vector<OpRun> runs{
      OpRun(OpType::kFullyConnected, relu,
            {Tensor({0, 3, 2}), random_tensor(rng, {4, 6}), random_tensor(rng, {4})}),
      make_conv(rng, ConvCase{0, 5, 5, 2, 3, 3, 3, {}, true}, false),
      make_conv(rng, ConvCase{0, 5, 5, 2, 3, 3, 3, {}, true}, true),
      OpRun(OpType::kMaxPool2D, pool, {Tensor({0, 4, 4, 2})}),
      OpRun(OpType::kAveragePool2D, pool, {Tensor({0, 4, 4, 2})}),
      make_batch_norm(rng, {0, 4, 4, 3})};
  for (OpRun& run : runs) {
    run.inputs[0] = Tensor(run.inputs[0].shape());  // batch 0
    const Tensor& y = run.forward(true);
    EXPECT_EQ(y.dim(0), 0) << static_cast<int>(run.node.type);
    EXPECT_EQ(y.size(), 0);
    for (const Tensor& g : run.backward(Tensor(y.shape()))) {
      for (float v : g.values()) EXPECT_EQ(v, 0.0f) << static_cast<int>(run.node.type);
    }
  }
}

// ---- errors ----

TEST(TrainComputeOps, MismatchedWeightsNameTheNode) {
  std::mt19937 rng(14);
  OpRun conv(OpType::kConv2D, {},
             {random_tensor(rng, {1, 4, 4, 3}), random_tensor(rng, {2, 3, 3, 2})});
  try {
    conv.forward(true);
    FAIL() << "expected host::Error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("test_node"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("filter"), std::string::npos) << e.what();
  }
  OpRun dense(OpType::kFullyConnected, {},
              {random_tensor(rng, {2, 5}), random_tensor(rng, {3, 4})});
  EXPECT_THROW(dense.forward(true), host::Error);
  Attributes big;
  big.filter_h = big.filter_w = 5;
  OpRun pool(OpType::kMaxPool2D, big, {random_tensor(rng, {1, 4, 4, 1})});
  EXPECT_THROW(pool.forward(true), host::Error);  // VALID window larger than the input
  OpRun bn(OpType::kBatchNorm, {},
           {random_tensor(rng, {2, 3}), Tensor({2}), Tensor({3}), Tensor({3}), Tensor({3})});
  EXPECT_THROW(bn.forward(true), host::Error);
}

}  // namespace
}  // namespace tinyforge::train
