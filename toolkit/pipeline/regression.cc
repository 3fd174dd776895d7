#include "toolkit/pipeline/regression.h"

#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::pipeline {

namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

void append_target_scaling(graph::Graph& g, const data::Normalization& targets) {
  const int64_t count = static_cast<int64_t>(targets.mean.size());
  if (g.outputs().size() != 1) throw host::Error("model: a regression model has one output");
  const int out = g.outputs()[0];
  const graph::Shape& shape = g.value(out).shape;
  int64_t per_sample = 1;
  for (size_t d = 1; d < shape.size(); ++d) per_sample *= shape[d];
  if (shape.size() < 2 || shape.back() != count || per_sample != count) {
    throw host::Error("model: the output " + graph::shape_string(shape) +
                      " should give one value "
                      "per regression target (" +
                      std::to_string(count) +
                      "; set the last dense layer's units, or model.classes for a zoo model)");
  }
  const int std = g.add_constant("target_std", graph::Tensor({count}, targets.std));
  const int mean = g.add_constant("target_mean", graph::Tensor({count}, targets.mean));
  const int scaled = g.add_node(graph::OpType::kMul, {out, std}, {}, "target_scale");
  g.set_outputs({g.add_node(graph::OpType::kAdd, {scaled, mean}, {}, "target_shift")});
}

void describe_regression(nlohmann::json& metadata, const data::Dataset& train,
                         const data::Normalization& targets) {
  if (!train.is_regression()) {
    metadata["task"] = "classification";
    return;
  }
  metadata["task"] = "regression";
  metadata["targets"] = train.target_names();
  metadata["target_mean"] = targets.mean;
  metadata["target_std"] = targets.std;
}

bool is_regression(const nlohmann::json& metadata) {
  return metadata.value("task", std::string()) == "regression";
}

void export_regression(const nlohmann::json& metadata, tflite::Metadata& exported) {
  if (!is_regression(metadata)) return;
  for (const char* key : {"task", "targets", "target_mean", "target_std"})
    exported.extra[key] = metadata.at(key);
}

train::RegressionLoss stored_regression_loss(const nlohmann::json& metadata, train::LossKind kind) {
  train::RegressionLoss loss{kind, {}};
  if (metadata.contains("target_std"))
    loss.scale = metadata["target_std"].get<std::vector<float>>();
  return loss;
}

nlohmann::json regression_json(const train::Evaluation& e, const std::vector<std::string>& targets,
                               const std::string& prefix) {
  if (!e.regression) throw host::Error("regression metrics missing from an evaluation");
  nlohmann::json j;
  j[prefix + "_loss"] = number_or_null(e.loss);
  j[prefix + "_mae"] = number_or_null(e.regression->mae);
  j[prefix + "_rmse"] = number_or_null(e.regression->rmse);
  j[prefix + "_r2"] = number_or_null(e.regression->r2);
  j[prefix + "_accuracy_pct"] = nullptr;
  j["targets"] = targets;
  return j;
}

}  // namespace tinyforge::pipeline
