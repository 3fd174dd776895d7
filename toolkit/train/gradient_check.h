// Finite-difference check of the executor's gradients, for tests of every training kernel.
//
// The scalar checked is L = sum over outputs of w * output, with fixed random weights w in
// [-1, 1] (a plain sum would hide errors: softmax rows always sum to 1). Analytic gradients come
// from Executor::backward with d L / d output = w; numeric ones from central differences
// (L(x + h) - L(x - h)) / (2h) per element, with L summed in double and the step measured as the
// float difference actually applied, so float rounding of x +- h does not bias the quotient.
// Every forward reuses one seed, so Dropout draws the same mask each time.
//
// Kinks (ReLU at 0, max-pool ties) make central differences meaningless: keep test inputs a few
// steps h away from them.
#ifndef TINYFORGE_TOOLKIT_TRAIN_GRADIENT_CHECK_H_
#define TINYFORGE_TOOLKIT_TRAIN_GRADIENT_CHECK_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "toolkit/graph/graph.h"
#include "toolkit/train/executor.h"

namespace tinyforge::train {

struct GradientCheckOptions {
  double step = 1e-2;  // h; float forward passes make smaller steps noisier than they are exact
  double relative_tolerance = 2e-2;
  double absolute_tolerance = 2e-3;
  bool training = true;      // Dropout active (fixed mask), BatchNorm on batch statistics
  bool check_inputs = true;  // d L / d graph inputs, besides trainable parameters
  int64_t max_elements = 0;  // per tensor, evenly spaced; 0 checks every element
  uint64_t seed = 42;        // forward rng (Dropout) and the loss weights
  int max_reported = 8;      // mismatches listed in the message
};

struct GradientCheckResult {
  bool ok = true;
  int64_t checked = 0;  // elements compared
  double worst = 0.0;   // largest |analytic - numeric| / (atol + rtol * max(|a|, |n|)); > 1 fails
  std::string message;  // the mismatches, each naming the value and the element
};

namespace gradient_check_detail {

inline double weighted_loss(const std::vector<graph::Tensor>& outputs,
                            const std::vector<graph::Tensor>& weights) {
  double loss = 0.0;
  for (size_t k = 0; k < outputs.size(); ++k)
    for (int64_t i = 0; i < outputs[k].size(); ++i)
      loss += static_cast<double>(outputs[k][i]) * static_cast<double>(weights[k][i]);
  return loss;
}

inline std::vector<int64_t> chosen_elements(int64_t size, int64_t max_elements) {
  std::vector<int64_t> chosen;
  if (max_elements <= 0 || size <= max_elements) {
    for (int64_t i = 0; i < size; ++i) chosen.push_back(i);
  } else {
    for (int64_t k = 0; k < max_elements; ++k) chosen.push_back(k * size / max_elements);
  }
  return chosen;
}

}  // namespace gradient_check_detail

// Checks d L / d (each trainable parameter, and each graph input if asked) on `inputs`.
// Parameters are perturbed in place and restored exactly.
inline GradientCheckResult check_gradients(graph::Graph& graph,
                                           const std::vector<graph::Tensor>& inputs,
                                           const GradientCheckOptions& options = {}) {
  namespace detail = gradient_check_detail;
  Executor executor(graph);
  executor.set_input_gradients(options.check_inputs);
  std::vector<graph::Tensor> feed = inputs;
  auto run = [&]() {
    std::mt19937_64 rng(options.seed);
    return executor.forward(feed, options.training, rng);
  };

  // Analytic gradients of L at the unperturbed point.
  std::vector<graph::Tensor> weights;
  {
    std::mt19937_64 weight_rng(options.seed + 1);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (const graph::Tensor& out : run()) {
      graph::Tensor w(out.shape());
      for (int64_t i = 0; i < w.size(); ++i) w[i] = uniform(weight_rng);
      weights.push_back(std::move(w));
    }
  }
  if (!options.training) {
    // backward() needs a training forward; without Dropout/BatchNorm the two agree.
    std::mt19937_64 rng(options.seed);
    executor.forward(feed, true, rng);
  }
  executor.backward(weights);

  struct Target {
    std::string name;
    graph::Tensor* tensor;
    graph::Tensor analytic;
  };
  std::vector<Target> targets;
  if (options.check_inputs) {
    for (size_t i = 0; i < graph.inputs().size(); ++i) {
      const int id = graph.inputs()[i];
      targets.push_back({"input '" + graph.value(id).name + "'", &feed[i], executor.gradient(id)});
    }
  }
  for (int id : graph.trainable_parameters()) {
    targets.push_back(
        {"parameter '" + graph.value(id).name + "'", &graph.value(id).data, executor.gradient(id)});
  }

  GradientCheckResult result;
  std::ostringstream message;
  int reported = 0;
  for (Target& target : targets) {
    graph::Tensor& x = *target.tensor;
    if (target.analytic.shape() != x.shape()) {
      result.ok = false;
      message << target.name << ": gradient has shape "
              << graph::shape_string(target.analytic.shape()) << ", expected "
              << graph::shape_string(x.shape()) << "\n";
      continue;
    }
    for (int64_t i : detail::chosen_elements(x.size(), options.max_elements)) {
      const float original = x[i];
      const float plus = static_cast<float>(original + options.step);
      const float minus = static_cast<float>(original - options.step);
      x[i] = plus;
      const double loss_plus = detail::weighted_loss(run(), weights);
      x[i] = minus;
      const double loss_minus = detail::weighted_loss(run(), weights);
      x[i] = original;
      const double numeric =
          (loss_plus - loss_minus) / (static_cast<double>(plus) - static_cast<double>(minus));
      const double analytic = target.analytic[i];
      const double allowed =
          options.absolute_tolerance +
          options.relative_tolerance * std::max(std::abs(analytic), std::abs(numeric));
      const double ratio = std::abs(analytic - numeric) / allowed;
      ++result.checked;
      result.worst = std::max(result.worst, ratio);
      if (!(ratio <= 1.0)) {  // also catches NaN
        result.ok = false;
        if (reported++ < options.max_reported) {
          message << target.name << " element " << i << ": analytic " << analytic << ", numeric "
                  << numeric << "\n";
        }
      }
    }
  }
  if (reported > options.max_reported)
    message << "... " << reported - options.max_reported << " more mismatches\n";
  result.message = message.str();
  return result;
}

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_GRADIENT_CHECK_H_
