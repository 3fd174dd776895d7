// Forward + backward of the Fashion-MNIST CNN of ../shared/baselines/README.md through the
// training compute kernels, batch 64: Conv 1->16 3x3 SAME + ReLU, MaxPool 2, Conv 16->32 3x3
// SAME + ReLU, MaxPool 2, FC 1568->64 + ReLU, FC 64->10, softmax cross-entropy gradient. Prints
// milliseconds per batch (total and per op) and the implied seconds per 60,000-image epoch
// (kernels only: no data loading or optimizer step).
//
// The same network is then timed as an IR graph through the Executor.
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

#include "toolkit/train/executor.h"
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

void layer_forward(Layer& l, const Tensor& x, std::mt19937_64& rng) {
  std::vector<Tensor*> in{const_cast<Tensor*>(&x)};
  for (Tensor& p : l.params) in.push_back(&p);
  ForwardContext ctx{l.node, in, {&l.output}, true, &rng, l.saved};
  tinyforge::train::compute_op_kernel(l.node.type)->forward(ctx);
}

// Gradients start at zero, as the executor hands them over; no input gradient for the images.
void layer_backward(Layer& l, const Tensor& x, const Tensor& grad, bool input_grad) {
  std::vector<const Tensor*> in{&x};
  std::vector<Tensor*> grads{input_grad ? &l.input_grad : nullptr};
  if (input_grad) l.input_grad.reset(x.shape());
  l.param_grads.resize(l.params.size());
  for (size_t p = 0; p < l.params.size(); ++p) {
    in.push_back(&l.params[p]);
    l.param_grads[p].reset(l.params[p].shape());
    grads.push_back(&l.param_grads[p]);
  }
  BackwardContext ctx{l.node, in, {&l.output}, {&grad}, grads, l.saved};
  tinyforge::train::compute_op_kernel(l.node.type)->backward(ctx);
}

// Softmax cross-entropy: d loss / d logits = (softmax - one_hot) / batch.
Tensor softmax_grad(const Tensor& logits, const std::vector<int>& labels) {
  const int64_t batch = logits.dim(0), classes = logits.dim(1);
  Tensor grad(logits.shape());
  for (int64_t n = 0; n < batch; ++n) {
    const float* z = logits.data() + n * classes;
    const float top = *std::max_element(z, z + classes);
    float sum = 0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(z[k] - top);
    for (int64_t k = 0; k < classes; ++k) {
      grad[n * classes + k] =
          (std::exp(z[k] - top) / sum - (k == labels[n])) / static_cast<float>(batch);
    }
  }
  return grad;
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
      layer_forward(l, *x, dropout_rng);
      if (timed) l.forward_ms += ms_since(t);
      x = &l.output;
    }
    const Tensor grad = softmax_grad(*x, labels);
    // Backward.
    const Tensor* g = &grad;
    for (size_t i = layers.size(); i-- > 0;) {
      Layer& l = layers[i];
      const auto t = Clock::now();
      layer_backward(l, i == 0 ? images : layers[i - 1].output, *g, i != 0);
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

  // The same network as an IR graph run by the Executor (what training runs), same parameters.
  {
    tinyforge::graph::Graph g;
    int h = g.add_input("images", {-1, 28, 28, 1});
    for (size_t i = 0; i < layers.size(); ++i) {
      std::vector<int> inputs{h};
      for (size_t p = 0; p < layers[i].params.size(); ++p) {
        inputs.push_back(g.add_parameter("p" + std::to_string(i) + "_" + std::to_string(p),
                                         layers[i].params[p]));
      }
      h = g.add_node(layers[i].node.type, inputs, layers[i].node.attrs);
    }
    g.set_outputs({h});
    tinyforge::train::Executor executor(g);
    const std::vector<Tensor> feed{images};
    auto graph_step = [&] {
      const Tensor& logits = executor.forward(feed, true, dropout_rng)[0];
      executor.backward({softmax_grad(logits, labels)});
    };
    for (int i = 0; i < 5; ++i) graph_step();
    const auto graph_start = Clock::now();
    const std::clock_t graph_cpu = std::clock();
    for (int i = 0; i < batches; ++i) graph_step();
    const double graph_ms = ms_since(graph_start) / batches;
    std::printf(
        "Same CNN through the Executor: %.2f ms/batch wall (%.2f ms CPU); %.1f s per epoch\n",
        graph_ms, 1000.0 * (std::clock() - graph_cpu) / CLOCKS_PER_SEC / batches,
        graph_ms * 938 / 1000.0);
  }

  // Kernels of the other zoo models at the CNN's sizes.
  std::printf("\n| other kernel, batch 64 | forward+backward ms |\n|---|---|\n");
  Attributes bn_attrs;
  Layer bn{Node{OpType::kBatchNorm, "bn", {}, {}, bn_attrs}, {}, {}, {}, {}, {}};
  bn.params = {Tensor({16}, 1.0f), Tensor({16}), Tensor({16}), Tensor({16}, 1.0f)};
  Attributes dw_attrs;
  dw_attrs.padding = Padding::kSame;
  dw_attrs.activation = Activation::kRelu6;
  Layer dw{Node{OpType::kDepthwiseConv2D, "dw", {}, {}, dw_attrs}, {}, {}, {}, {}, {}};
  dw.params = {kaiming_uniform(rng, {1, 3, 3, 32}, 9), kaiming_uniform(rng, {32}, 9)};
  struct Extra {
    const char* name;
    Layer* layer;
    Tensor input;
  } extras[] = {{"BatchNorm [64,28,28,16] (training)", &bn, Tensor({kBatch, 28, 28, 16})},
                {"DepthwiseConv2D 3x3 [64,14,14,32] + ReLU6", &dw, Tensor({kBatch, 14, 14, 32})}};
  for (Extra& e : extras) {
    for (float& v : e.input.values()) v = pixel(rng);
    double ms = 0;
    for (int i = 0; i < batches + 5; ++i) {
      const auto t = Clock::now();
      layer_forward(*e.layer, e.input, dropout_rng);
      layer_backward(*e.layer, e.input, e.layer->output, true);  // any gradient of the right shape
      if (i >= 5) ms += ms_since(t);
    }
    std::printf("| %s | %.3f |\n", e.name, ms / batches);
  }
  return 0;
}
