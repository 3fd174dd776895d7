// Regression models in the workflow. The data keep their targets in their own units; the model's
// layers learn the targets standardized with the training split's mean and standard deviation,
// and two fixed operators appended to its output (multiply by the std, add the mean) give them
// back in their units. So every later stage — eval, convert, the .tflite on a device — reads real
// target values with no extra step, and the int8 output's scale covers the targets' range.
// The checkpoint's metadata says a model is a regression one ("task": "regression") and holds the
// target names and their train mean/std.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_REGRESSION_H_
#define TINYFORGE_TOOLKIT_PIPELINE_REGRESSION_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/data/dataset.h"
#include "toolkit/graph/graph.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/regression.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

// Appends output * std + mean (Mul and Add by per-target constants) to the graph's output. Throws
// host::Error if the output does not give one value per target.
void append_target_scaling(graph::Graph& graph, const data::Normalization& targets);

// The checkpoint metadata of a regression model: task, targets, target_mean, target_std.
void describe_regression(nlohmann::json& metadata, const data::Dataset& train,
                         const data::Normalization& targets);
bool is_regression(const nlohmann::json& metadata);
// Copies a regression's task, targets, target_mean and target_std from checkpoint metadata into
// an exported .tflite's tinyforge metadata (its `extra` keys), so whoever runs the file knows its
// outputs are target values, not class scores. Nothing for a classifier.
void export_regression(const nlohmann::json& metadata, tflite::Metadata& exported);
// The loss as the model trained it (the loss kind and the stored target std).
train::RegressionLoss stored_regression_loss(const nlohmann::json& metadata, train::LossKind kind);

// {"test_loss", "test_mae", "test_rmse", "test_r2", "test_accuracy_pct": null, "targets"} of a
// regression Evaluation, with `prefix` instead of "test".
nlohmann::json regression_json(const train::Evaluation& e, const std::vector<std::string>& targets,
                               const std::string& prefix = "test");

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_REGRESSION_H_
