// `tinyforge train` and `tinyforge eval` as library calls: load the data, build (or resume) the
// model, train it, checkpoint after each epoch, evaluate on the test split and return the JSON
// object of DESIGN.md's command-line contract.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_
#define TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "toolkit/data/dataset.h"
#include "toolkit/host/model_file.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/run_directory.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/regression.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

// The loaders' and the split's warnings, on stderr.
void print_warnings(const data::DatasetSplit& split);

// Trains `project` into project.output_dir (model.tfm after every epoch, log.csv). A directory
// holding a previous run is refused unless `start` resumes it (continuing from its model.tfm
// exactly where it stopped; a checkpoint of another project is refused by name) or overwrites
// it; a failed start leaves no directory behind (RunDirectory). Each epoch reports and monitors
// the validation split; the test split is evaluated once, at the end. Returns
// test_accuracy_pct, test_loss, seconds_per_epoch, model_file, log_file, per-class
// precision/recall/f1/roc_auc, ...
nlohmann::json run_training(const Project& project, RunStart start = RunStart::kFresh);

// Evaluates a .tfm (float, through the training executor) or a .tflite (through the runtime,
// inputs quantized with the model's input scale and zero point) on the test split of `project`,
// or of the project stored in the .tfm when none is given.
// The absolute directory of the project's file ("" for a project given as text): stored in
// model.tfm so the stored project's relative paths resolve from anywhere.
std::string project_dir(const Project& project);
// The absolute data.path (after --data), stored in model.tfm as the data the model trained on.
std::string effective_data_path(const Project& project);
// The project stored in a checkpoint, its relative paths resolved from the directory its file was
// in when training (when that still exists), else from the current directory; data.path is the
// data the model trained on (effective_data_path() at training time).
Project stored_project(const train::Checkpoint& checkpoint, const std::filesystem::path& model);

struct EvalOptions {
  // A seeded, stratified sample of `limit` samples of the split (0 = all of it), every class in
  // its proportion (data::stratified_sample_indices); the seed is the project's data.seed unless
  // given.
  int64_t limit = 0;
  std::optional<uint64_t> seed;
  std::string board;  // a .tflite runs in QEMU on this board (one launch) instead of the host
  int timeout_seconds = 3600;         // with `board`
  std::filesystem::path raw_outputs;  // a .tflite's raw output bytes, every sample, written here
  std::string data_path;              // --data: replaces the project's data.path
};

// The result names the split (evaluated_split), how many of its samples were evaluated and how
// (evaluated_samples, split_samples, sample). A .tflite's result has arena figures: on the host
// arena_bytes = host_arena_bytes; with a board arena_bytes = device_arena_bytes (the board's
// 32-bit figure, what deploy reserves), device_arena_used_bytes (what the firmware used),
// device_kernels, board, and instructions (the median per inference).
nlohmann::json run_evaluation(const std::filesystem::path& model,
                              const std::optional<Project>& project,
                              const EvalOptions& options = {});

// A .tflite through the runtime, one sample at a time: inputs quantized with the model's input
// scale and zero point (int8/uint8/int16) or copied (float32), outputs dequantized. One input, one
// output; `accuracy_pct` and `loss` as the trainer reports them.
// `raw_outputs`, when given, receives the output's bytes of every sample back to back.
// A regression dataset's evaluation takes its loss as `regression` says (train/regression.h).
// An autoencoder's evaluation (`reconstruct`) has each sample's reconstruction error in the
// domain the device scores it (app/stream_pipeline: the mean squared difference of the
// dequantized input and the dequantized output) and that mean as its loss.
train::Evaluation evaluate_tflite(const host::ModelFile& file, const data::Dataset& set,
                                  std::vector<uint8_t>* raw_outputs = nullptr,
                                  const train::RegressionLoss& regression = {},
                                  bool reconstruct = false);

// A classifier's outputs on `set` ([set.size(), classes], dequantized) as an Evaluation: the
// accuracy, and the cross-entropy loss reading them as probabilities when they are (a model
// ending in SOFTMAX), else as logits.
// For a regression dataset, `classes` is the outputs per sample (one per target) and the result
// holds MAE, RMSE and R² with the loss as `regression` says.
train::Evaluation evaluate_scores(std::vector<float> scores, int64_t classes,
                                  const data::Dataset& set,
                                  const train::RegressionLoss& regression = {});

// The test split's report of a classifier's (or autoencoder's) outputs: test_accuracy_pct,
// test_loss, per-class precision/recall/f1/roc_auc, macro averages, the confusion matrix. For a
// regression dataset: test_loss, test_mae, test_rmse, test_r2 (test_accuracy_pct null).
nlohmann::json test_metrics(const train::Evaluation& e, const data::Dataset& test, bool reconstruct,
                            const std::vector<std::string>& labels);

// An anomaly detector's figures on `set` (anomaly_figures: roc_auc, pauc, and at `threshold`
// precision, recall, f1, false_positive_rate, test_accuracy_pct) and its normal_class, into
// `result`. `errors` are the reconstruction errors of `set`'s samples; `normal` its normal class.
void add_anomaly_figures(const std::vector<float>& errors, const data::Dataset& set, int normal,
                         std::optional<double> threshold, nlohmann::json& result);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_TRAIN_RUN_H_
