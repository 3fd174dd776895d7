// Forward + backward of the Fashion-MNIST CNN of ../shared/baselines/README.md through the
// training compute kernels, batch 64: Conv 1->16 3x3 SAME + ReLU, MaxPool 2, Conv 16->32 3x3
// SAME + ReLU, MaxPool 2, FC 1568->64 + ReLU, FC 64->10, softmax cross-entropy gradient. Prints
// milliseconds per batch (total and per op) and the implied seconds per 60,000-image epoch
// (kernels only: no data loading or optimizer step).
//
//   bench_train_ops [batches=100] [threads=2]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "toolkit/train/ops/registry.h"

namespace {

using tinyforge::graph::Activation;
using tinyforge::graph::Attributes;
using tinyforge::graph::Node;
using tinyforge::graph::OpType;
using tinyforge::graph::Padding;
using tinyforge::graph::Tensor;
using tinyforge::train::BackwardContext;
using tinyforge::train::ForwardContext;
using Clock = std::chrono::steady_clock;

// One layer: its node, parameters, output, saved state, and the gradients of input and params.
struct Layer {
  Node node;
  std::vector<Tensor> params;
  std::vector<Tensor> param_grads;
  Tensor output;
  Tensor input_grad;
  std::vector<Tensor> saved;
  double forward_ms = 0, backward_ms = 0;
};

Tensor kaiming_uniform(std::mt19937& rng, tinyforge::graph::Shape shape, int64_t fan_in) {
  Tensor t(std::move(shape));
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  std::uniform_real_distribution<float> u(-bound, bound);
  for (float& v : t.values()) v = u(rng);
  return t;
}

Layer conv(std::mt19937& rng, int in_c, int out_c) {
  Attributes a;
  a.padding = Padding::kSame;
  a.activation = Activation::kRelu;
  Layer l{Node{OpType::kConv2D, "conv", {}, {}, a}, {}, {}, {}, {}, {}};
  l.params = {kaiming_uniform(rng, {out_c, 3, 3, in_c}, 9 * in_c),
              kaiming_uniform(rng, {out_c}, 9 * in_c)};
  return l;
}

Layer pool() {
  Attributes a;
  a.filter_h = a.filter_w = a.stride_h = a.stride_w = 2;
  return Layer{Node{OpType::kMaxPool2D, "pool", {}, {}, a}, {}, {}, {}, {}, {}};
}

Layer dense(std::mt19937& rng, int in, int units, Activation act) {
  Attributes a;
  a.activation = act;
  Layer l{Node{OpType::kFullyConnected, "dense", {}, {}, a}, {}, {}, {}, {}, {}};
  l.params = {kaiming_uniform(rng, {units, in}, in), kaiming_uniform(rng, {units}, in)};
  return l;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int batches = argc > 1 ? std::atoi(argv[1]) : 100;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  omp_set_num_threads(threads);
  constexpr int kBatch = 64, kClasses = 10;

  std::mt19937 rng(1234);
  std::vector<Layer> layers;
  layers.push_back(conv(rng, 1, 16));
  layers.push_back(pool());
  layers.push_back(conv(rng, 16, 32));
  layers.push_back(pool());
  layers.push_back(dense(rng, 7 * 7 * 32, 64, Activation::kRelu));
  layers.push_back(dense(rng, 64, kClasses, Activation::kNone));

  Tensor images({kBatch, 28, 28, 1});
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  for (float& v : images.values()) v = pixel(rng);
  std::vector<int> labels(kBatch);
  for (int& y : labels) y = static_cast<int>(rng() % kClasses);
  std::mt19937_64 dropout_rng(1);

  auto step = [&](bool timed) {
    // Forward.
    const Tensor* x = &images;
    for (Layer& l : layers) {
      const auto t = Clock::now();
      std::vector<Tensor*> in{const_cast<Tensor*>(x)};
      for (Tensor& p : l.params) in.push_back(&p);
      ForwardContext ctx{l.node, in, {&l.output}, true, &dropout_rng, l.saved};
      tinyforge::train::compute_op_kernel(l.node.type)->forward(ctx);
      if (timed) l.forward_ms += ms_since(t);
      x = &l.output;
    }
    // Softmax cross-entropy: d loss / d logits = (softmax - one_hot) / batch.
    Tensor grad(x->shape());
    for (int n = 0; n < kBatch; ++n) {
      const float* z = x->data() + n * kClasses;
      const float top = *std::max_element(z, z + kClasses);
      float sum = 0;
      for (int k = 0; k < kClasses; ++k) sum += std::exp(z[k] - top);
      for (int k = 0; k < kClasses; ++k) {
        grad[n * kClasses + k] = (std::exp(z[k] - top) / sum - (k == labels[n])) / kBatch;
      }
    }
    // Backward.
    const Tensor* g = &grad;
    for (size_t i = layers.size(); i-- > 0;) {
      Layer& l = layers[i];
      const auto t = Clock::now();
      const Tensor* input = i == 0 ? &images : &layers[i - 1].output;
      std::vector<const Tensor*> in{input};
      std::vector<Tensor*> grads{i == 0 ? nullptr : &l.input_grad};
      if (i != 0) l.input_grad.reset(input->shape());
      l.param_grads.resize(l.params.size());
      for (size_t p = 0; p < l.params.size(); ++p) {
        in.push_back(&l.params[p]);
        l.param_grads[p].reset(l.params[p].shape());
        grads.push_back(&l.param_grads[p]);
      }
      BackwardContext ctx{l.node, in, {&l.output}, {g}, grads, l.saved};
      tinyforge::train::compute_op_kernel(l.node.type)->backward(ctx);
      if (timed) l.backward_ms += ms_since(t);
      g = &l.input_grad;
    }
  };

  for (int i = 0; i < 5; ++i) step(false);  // warm-up: buffers, thread pool
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (int i = 0; i < batches; ++i) step(true);
  const double per_batch = ms_since(start) / batches;
  // CPU time of all threads: on a shared machine wall time also counts waiting for a core.
  const double cpu_per_batch = 1000.0 * (std::clock() - cpu_start) / CLOCKS_PER_SEC / batches;

  std::printf("| layer | forward ms/batch | backward ms/batch |\n|---|---|---|\n");
  const char* names[] = {"conv 1->16 3x3 + ReLU",  "maxpool 2",
                         "conv 16->32 3x3 + ReLU", "maxpool 2",
                         "fc 1568->64 + ReLU",     "fc 64->10"};
  for (size_t i = 0; i < layers.size(); ++i) {
    std::printf("| %s | %.3f | %.3f |\n", names[i], layers[i].forward_ms / batches,
                layers[i].backward_ms / batches);
  }
  std::printf(
      "\nCNN forward+backward, batch %d, %d threads, %d batches: %.2f ms/batch wall (%.2f ms "
      "CPU); %.1f s per 60000-image epoch (938 batches)\n",
      kBatch, threads, batches, per_batch, cpu_per_batch, per_batch * 938 / 1000.0);
  return 0;
}
