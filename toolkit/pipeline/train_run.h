// `tinyforge train` and `tinyforge eval` as library calls: load the data, build (or resume) the
// model, train it, checkpoint after each epoch, evaluate on the test split and return the JSON
// object of DESIGN.md's command-line contract.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_
#define TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "toolkit/pipeline/project.h"

namespace tinyforge::pipeline {

// Trains `project` into project.output_dir (model.tfm after every epoch, log.csv). With
// `resume`, continues from output_dir/model.tfm exactly where it stopped. Returns
// test_accuracy_pct, test_loss, seconds_per_epoch, model_file, log_file, per-class
// precision/recall/f1/roc_auc, ...
nlohmann::json run_training(const Project& project, bool resume = false);

// Evaluates a .tfm (float, through the training executor) or a .tflite (through the runtime,
// inputs quantized with the model's input scale and zero point) on the test split of `project`,
// or of the project stored in the .tfm when none is given.
nlohmann::json run_evaluation(const std::filesystem::path& model,
                              const std::optional<Project>& project);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_
