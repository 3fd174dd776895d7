#include "toolkit/pipeline/train_run.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>

#include "toolkit/data/config.h"
#include "toolkit/data/sample.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/features/feature_graph.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/metrics/classification_report.h"
#include "toolkit/metrics/roc_auc.h"
#include "toolkit/pipeline/anomaly.h"
#include "toolkit/pipeline/board_evaluation.h"
#include "toolkit/pipeline/centroid_detection.h"
#include "toolkit/pipeline/convert.h"
#include "toolkit/pipeline/detection.h"
#include "toolkit/pipeline/qat.h"
#include "toolkit/pipeline/regression.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/tflite/metadata_json.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/centroid_targets.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/ops/compute_thread_pool.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

namespace {

using nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

train::Checkpoint make_checkpoint(const graph::Graph& graph, const train::Trainer& trainer,
                                  const Project& project, const data::DatasetSplit& split) {
  train::Checkpoint c;
  c.graph = graph;
  trainer.save_state(c);
  c.labels = split.train.class_names();
  c.normalization_mean = split.normalization.mean;
  c.normalization_std = split.normalization.std;
  c.project = project.text;
  c.metadata = {{"name", project.name},
                {"project_dir", project_dir(project)},
                {"data_path", effective_data_path(project)},
                {"model", project.model.zoo.empty() ? "layers" : project.model.zoo},
                {"reconstruct", project.training.trainer.reconstruct},
                {"sample_shape", split.train.sample_shape()},
                {"params", graph.parameter_count()},
                {"macs", graph.macs()}};
  describe_regression(c.metadata, split.train, split.target_normalization);
  if (split.train.is_detection()) {
    c.metadata["detector"] = detector_name(detector_kind(graph.value(graph.outputs().at(0)).shape,
                                                         split.train.num_classes(), "model"));
  }
  if (project.features) c.metadata["features"] = features::to_json(*project.features);
  return c;
}

// The figures of every epoch's validation as lists (regression: val_mae, val_rmse, val_r2).
void add_validation_history(const std::vector<train::EpochRecord>& history, json& result) {
  json mae = json::array(), rmse = json::array(), r2 = json::array();
  for (const train::EpochRecord& r : history) {
    mae.push_back(number_or_null(r.val_mae));
    rmse.push_back(number_or_null(r.val_rmse));
    r2.push_back(number_or_null(r.val_r2));
  }
  result["val_mae"] = mae;
  result["val_rmse"] = rmse;
  result["val_r2"] = r2;
}

// The split to report on: test, else validation (a project may have no test set).
const data::Dataset& report_split(const data::DatasetSplit& split, const char** name) {
  if (!split.test.empty()) {
    *name = "test";
    return split.test;
  }
  *name = "validation";
  if (split.validation.empty())
    throw host::Error("evaluation: the dataset has neither a test nor a validation split");
  return split.validation;
}

// DESIGN.md: train also leaves the model as a float .tflite, prepared as a device runs it
// (Dropout dropped, BatchNorm folded, activations fused). A model the writer cannot express
// still trains; the result says why the file is missing.
void write_float_tflite(const graph::Graph& graph, const train::Checkpoint& checkpoint,
                        const std::filesystem::path& path, json& result) {
  try {
    const data::Normalization normalization{checkpoint.normalization_mean,
                                            checkpoint.normalization_std};
    tflite::WriteOptions options;
    options.metadata = export_metadata(checkpoint.labels, normalization,
                                       checkpoint.metadata.value("features", json()));
    export_regression(checkpoint.metadata, options.metadata);
    export_anomaly(checkpoint.metadata, options.metadata);
    export_detector(checkpoint.metadata, options.metadata);
    tflite::write_tflite_file(quantize::prepare_for_export(graph), options, path);
    result["float_tflite_file"] = path.string();
  } catch (const host::Error& e) {
    std::cerr << "tinyforge: " << path.string() << " not written: " << e.what() << std::endl;
    result["float_tflite_error"] = e.what();
  }
}

std::string names_text(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
  return "[" + text + "]";
}

// A checkpoint resumed into this project must be of it: the same classes, sample shape and
// model. Otherwise the error names what differs instead of a shape error deep in training.
void check_resume_fits(const train::Checkpoint& c, const std::filesystem::path& model_file,
                       const graph::Graph& fresh, const data::DatasetSplit& split) {
  std::string differs;
  const json shape = c.metadata.value("sample_shape", json());
  if (c.labels != split.train.class_names()) {
    differs = "it was trained on the classes " + names_text(c.labels) +
              ", this project's data has " + names_text(split.train.class_names());
  } else if (!shape.is_null() && shape != json(split.train.sample_shape())) {
    differs = "its samples have the shape " + shape.dump() + ", this project's " +
              json(split.train.sample_shape()).dump();
  } else {
    auto weights = [](const graph::Graph& g) {
      std::vector<std::pair<std::string, graph::Shape>> w;
      for (const graph::Value& v : g.values())
        if (v.kind == graph::ValueKind::kParameter || v.kind == graph::ValueKind::kState)
          w.emplace_back(v.name, v.data.shape());
      return w;
    };
    const auto theirs = weights(c.graph), ours = weights(fresh);
    for (size_t i = 0; i < std::max(theirs.size(), ours.size()) && differs.empty(); ++i) {
      if (i >= theirs.size() || i >= ours.size()) {
        differs = "its model has " + std::to_string(theirs.size()) +
                  " weight tensors, this project's model " + std::to_string(ours.size());
      } else if (theirs[i] != ours[i]) {
        differs = "its model's weight '" + theirs[i].first + "' is " +
                  graph::shape_string(theirs[i].second) + ", this project's model has '" +
                  ours[i].first + "' " + graph::shape_string(ours[i].second);
      }
    }
  }
  if (differs.empty()) return;
  const std::string name = c.metadata.value("name", std::string());
  throw host::Error(model_file.string() + ": a checkpoint of " +
                    (name.empty() ? std::string("another project") : "project '" + name + "'") +
                    " that does not fit this one (" + differs +
                    "); resume it with its own project file, or train this project into another "
                    "--out (or with --overwrite)");
}

// The normal class of an autoencoder trained on `classes` (pipeline/anomaly.h).
int project_normal_class(const Project& project, const std::vector<std::string>& classes) {
  return normal_class_index(project.training.normal_class, classes,
                            project.path.empty() ? project.name : project.path.string());
}

// The alarm threshold of a trained autoencoder: chosen on the validation split's reconstruction
// errors; without a validation split, on the (normal) training split's, which can only say how
// far normal errors reach.
metrics::Threshold train_threshold(train::Trainer& trainer, const data::DatasetSplit& split,
                                   int normal, const char** chosen_on) {
  const bool validation = !split.validation.empty();
  const data::Dataset& set = validation ? split.validation : split.train;
  *chosen_on = validation ? "validation" : "train";
  const ClipScores clips = clip_scores(trainer.evaluate(set).reconstruction_error, set, normal);
  return choose_anomaly_threshold(clips.scores, clips.labels);
}

}  // namespace

void add_anomaly_figures(const std::vector<float>& errors, const data::Dataset& set, int normal,
                         std::optional<double> threshold, json& result) {
  const ClipScores clips = clip_scores(errors, set, normal);
  json figures = anomaly_figures(clips.scores, clips.labels, threshold);
  figures["clips"] = clips.scores.size();
  if (figures.contains("accuracy_pct")) {
    result["test_accuracy_pct"] = figures["accuracy_pct"];
    figures.erase("accuracy_pct");
  }
  result.update(figures);
  result["normal_class"] = set.class_names().at(static_cast<size_t>(normal));
}

// What every result carries about the test split's outputs: for classifiers the metrics report
// (accuracy, loss, per-class precision/recall/F1/ROC-AUC, confusion matrix); for autoencoders the
// reconstruction loss (add_anomaly_figures adds the detector's figures).
json test_metrics(const train::Evaluation& e, const data::Dataset& test, bool reconstruct,
                  const std::vector<std::string>& labels) {
  if (test.is_regression()) return regression_json(e, test.target_names());
  json j;
  if (test.is_detection()) {
    j = detection_figures(e.outputs, test);
    j["test_loss"] = number_or_null(e.loss);
    j["cell_accuracy_pct"] = number_or_null(e.accuracy_pct);
    return j;
  }
  if (reconstruct) {
    j["test_loss"] = number_or_null(e.loss);
    j["test_accuracy_pct"] = nullptr;
    return j;
  }
  const int classes = static_cast<int>(e.outputs.size() / std::max<int64_t>(test.size(), 1));
  std::vector<std::string> names = labels;
  if (static_cast<int>(names.size()) != classes) names.clear();
  const metrics::ClassificationReport report = metrics::make_classification_report(
      e.outputs.values(), classes, test.labels(), e.loss, names);
  j = report.to_json();
  j["test_accuracy_pct"] = report.accuracy_pct;
  j["test_loss"] = number_or_null(e.loss);
  return j;
}

std::string effective_data_path(const Project& project) {
  return project.data.path.empty()
             ? std::string()
             : std::filesystem::absolute(project.data.path).lexically_normal().string();
}

std::string project_dir(const Project& project) {
  return project.path.empty() ? std::string()
                              : std::filesystem::absolute(project.path).parent_path().string();
}

Project stored_project(const train::Checkpoint& checkpoint, const std::filesystem::path& model) {
  const std::string dir = checkpoint.metadata.value("project_dir", std::string());
  const std::filesystem::path base = !dir.empty() && std::filesystem::is_directory(dir)
                                         ? std::filesystem::path(dir)
                                         : std::filesystem::current_path();
  Project project = parse_project(checkpoint.project, model.string() + " (stored project)", base);
  // The data the model trained on (a --data run's folder, not the file's data.path).
  const std::string data_path = checkpoint.metadata.value("data_path", std::string());
  if (!data_path.empty()) project.data.path = data_path;
  return project;
}

void print_warnings(const data::DatasetSplit& split) {
  for (const std::string& w : split.warnings) std::cerr << "warning: " << w << "\n";
}

json run_training(const Project& given, RunStart start) {
  if (given.training.qat) return run_qat(given, start);
  Project project = given;
  RunDirectory out_dir(project.output_dir, start);
  data::DatasetSplit split =
      load_project_data(project, project.features ? &*project.features : nullptr);
  for (const std::string& reason : split.train.skipped) std::cerr << "skipped: " << reason << "\n";
  print_warnings(split);
  const bool regression = split.train.is_regression();
  const std::filesystem::path out = project.output_dir;
  const std::filesystem::path model_file = out / "model.tfm";

  train::TrainerConfig config = project.training.trainer;
  config.log_csv = out / "log.csv";
  // Raw-audio augmentation (a Speech Commands folder's _background_noise_ by default) would act
  // on feature frames; with features the clips are used as they are (docs/features.md).
  if (!project.features)
    config.augmentation = data::make_augmentation(project.data, split.normalization);
  if (regression) config.target_scale = split.target_normalization.std;
  if (project.training.balanced_class_weights && !regression && !split.train.is_detection())
    config.cross_entropy.class_weights = train::balanced_class_weights(split.train);
  if (!config.cross_entropy.class_weights.empty() &&
      static_cast<int>(config.cross_entropy.class_weights.size()) != split.train.num_classes()) {
    throw host::Error(project.path.string() + ": training.class_weights: " +
                      std::to_string(config.cross_entropy.class_weights.size()) + " weights for " +
                      std::to_string(split.train.num_classes()) + " classes");
  }

  graph::Graph graph =
      build_model(project.model, split.train.sample_shape(),
                  regression ? split.train.num_targets() : split.train.num_classes(), config.seed);
  if (regression) append_target_scaling(graph, split.target_normalization);
  if (split.train.is_detection()) {
    const graph::Shape& out_shape = graph.value(graph.outputs().at(0)).shape;
    const graph::Shape& in_shape = split.train.sample_shape();
    config.box_detector = detector_kind(out_shape, split.train.num_classes(),
                                        project.path.string()) == DetectorKind::kBox;
    // The object cells are few among the background ones: weighted up (centroid_targets.h).
    if (project.training.balanced_class_weights || config.cross_entropy.class_weights.empty()) {
      config.cross_entropy.class_weights = train::centroid_class_weights(
          split.train, {out_shape[1], out_shape[2], in_shape[0], in_shape[1]});
    }
  }
  std::optional<train::Checkpoint> resumed;
  if (start == RunStart::kResume) {
    resumed = train::load_checkpoint(model_file);
    check_resume_fits(*resumed, model_file, graph, split);
    graph = resumed->graph;
  }
  train::Trainer trainer(graph, config);
  if (resumed) trainer.restore_state(*resumed);
  if (config.progress) {
    std::cerr << "training " << project.name << ": " << graph.parameter_count() << " parameters, "
              << graph.macs() << " MACs, " << split.train.size() << " training samples";
    if (!split.validation.empty()) std::cerr << ", " << split.validation.size() << " validation";
    if (!split.test.empty())
      std::cerr << ", " << split.test.size() << " test (evaluated once, at the end)";
    std::cerr << std::endl;
    if (split.validation.empty()) {
      std::cerr << "no validation split (data.splits.validation): epochs report the training "
                   "figures only"
                << std::endl;
    }
  }

  out_dir.create();
  trainer.fit(split.train, split.validation, [&](const train::EpochRecord&) {
    train::save_checkpoint(model_file, make_checkpoint(graph, trainer, project, split));
  });
  const int recomputed = trainer.recompute_unconverged_batch_norm(split.train);
  if (recomputed > 0 && config.progress) {
    std::cerr << "BatchNorm: the moving statistics of " << recomputed
              << " layer(s) could not converge in " << trainer.steps_done()
              << " steps; recomputed on the " << split.train.size() << " training samples"
              << std::endl;
  }

  const char* split_name = "test";
  const data::Dataset& eval_set = report_split(split, &split_name);
  const train::Evaluation e = trainer.evaluate(eval_set);
  json result = test_metrics(e, eval_set, config.reconstruct, split.train.class_names());
  std::optional<metrics::Threshold> threshold;
  const char* threshold_split = "";
  if (config.reconstruct && !regression) {
    const int normal = project_normal_class(project, split.train.class_names());
    threshold = train_threshold(trainer, split, normal, &threshold_split);
    add_anomaly_figures(e.reconstruction_error, eval_set, normal, threshold->value, result);
    result["threshold_rule"] = threshold->rule;
    result["threshold_split"] = threshold_split;
  }
  result["evaluated_split"] = split_name;
  result["evaluated_samples"] = eval_set.size();
  result["validation_samples"] = split.validation.size();
  result["batch_norm_recomputed"] = recomputed;
  if (config.progress) {
    std::cerr << split_name << " split, evaluated once after training (" << eval_set.size()
              << " samples): loss " << e.loss;
    if (split.train.is_detection()) {
      std::cerr << ", " << detection_text(result);
    } else if (!config.reconstruct && !regression) {
      std::cerr << ", accuracy " << e.accuracy_pct << " %";
    }
    if (threshold) std::cerr << "; " << anomaly_text(result);
    std::cerr << std::endl;
  }
  json seconds = json::array();
  for (const train::EpochRecord& r : trainer.history()) seconds.push_back(r.seconds);
  result["seconds_per_epoch"] = seconds;
  result["epochs"] = trainer.epochs_done();
  result["stopped_early"] = trainer.stopped_early();
  result["params"] = graph.parameter_count();
  result["macs"] = graph.macs();
  result["model_file"] = model_file.string();
  result["log_file"] = config.log_csv.string();
  result["skipped_samples"] = split.train.skipped.size();
  result["warnings"] = split.warnings;
  if (regression && !split.validation.empty()) add_validation_history(trainer.history(), result);

  // The final file also records the figures (weights may be the best epoch's after early stopping).
  train::Checkpoint final_checkpoint = make_checkpoint(graph, trainer, project, split);
  final_checkpoint.metadata["test"] = {{"accuracy_pct", result["test_accuracy_pct"]},
                                       {"loss", result["test_loss"]}};
  if (split.train.is_detection()) {
    for (const std::string& key : detection_keys(result))
      final_checkpoint.metadata["test"][key] = result[key];
  }
  if (regression) {
    for (const char* key : {"mae", "rmse", "r2"})
      final_checkpoint.metadata["test"][key] = result[std::string("test_") + key];
  }
  if (threshold) {
    final_checkpoint.metadata["normal_class"] = result["normal_class"];
    final_checkpoint.metadata["anomaly_threshold"] = threshold->value;
    final_checkpoint.metadata.update(stream_defaults(project.features, project.data.audio.length));
    final_checkpoint.metadata["threshold_rule"] =
        threshold->rule + " (" + threshold_split + " split)";
    for (const char* key : {"roc_auc", "pauc"})
      final_checkpoint.metadata["test"][key] = result[key];
  }
  train::save_checkpoint(model_file, final_checkpoint);
  write_float_tflite(graph, final_checkpoint, out / "model_float.tflite", result);
  if (project.features) {
    // The frontend the model was trained behind, for deploy and for anyone running the model.
    const std::vector<uint8_t> features = features::build_feature_model(*project.features);
    host::write_file(out / "features.tflite", features.data(), features.size());
    result["features_file"] = (out / "features.tflite").string();
  }
  return result;
}

namespace {

// Whether the model keeps state between invocations (variable tensors): its samples must then run
// in order on one interpreter.
bool has_state(const Model& model) {
  for (int t = 0; t < model.num_tensors(); ++t)
    if (model.tensor(t).is_variable) return true;
  return false;
}

}  // namespace

train::Evaluation evaluate_tflite(const host::ModelFile& file, const data::Dataset& set,
                                  std::vector<uint8_t>* raw_outputs,
                                  const train::RegressionLoss& regression, bool reconstruct) {
  const std::string& label = file.label();
  const Model& model = file.model();
  if (model.num_inputs() != 1 || model.num_outputs() != 1)
    throw host::Error(label + ": expected one input and one output");
  const TensorView in0 = model.tensor(model.input_tensor(0));
  if (in0.elements() != set.sample_size()) {
    throw host::Error(label + ": input has " + std::to_string(in0.elements()) +
                      " elements, the dataset's samples " + std::to_string(set.sample_size()));
  }
  const TensorView out0 = model.tensor(model.output_tensor(0));
  const int64_t classes = out0.elements();
  const int64_t out_bytes = static_cast<int64_t>(out0.bytes());
  std::vector<float> scores(static_cast<size_t>(set.size() * classes));
  if (reconstruct && classes != in0.elements()) {
    throw host::Error(label + ": an autoencoder's output must have its input's " +
                      std::to_string(in0.elements()) + " elements, it has " +
                      std::to_string(classes));
  }
  std::vector<float> errors(reconstruct ? static_cast<size_t>(set.size()) : 0);
  if (raw_outputs != nullptr) raw_outputs->assign(static_cast<size_t>(set.size() * out_bytes), 0);
  // Samples are independent (for a model without state), so the compute threads take contiguous
  // ranges, each with its own interpreter and arena; every sample's results land in its own place.
  const int threads =
      has_state(model)
          ? 1
          : static_cast<int>(std::min<int64_t>(train::compute::max_threads(), set.size() / 64 + 1));
  train::compute::parallel_run(threads, [&](int t) {
    host::HostInterpreter interpreter(file);
    Interpreter& it = interpreter.get();
    const TensorView in = it.input(0);
    const int64_t first = set.size() * t / threads, last = set.size() * (t + 1) / threads;
    std::vector<double> input(reconstruct ? static_cast<size_t>(classes) : 0);
    for (int64_t i = first; i < last; ++i) {
      host::set_tensor_values(in, set.sample(i), label);
      for (size_t k = 0; k < input.size(); ++k) input[k] = host::tensor_value(in, k);
      interpreter.invoke();
      const TensorView out = it.output(0);
      double squared = 0;
      for (int64_t k = 0; k < classes; ++k) {
        const double value = host::tensor_value(out, k);
        scores[static_cast<size_t>(i * classes + k)] = static_cast<float>(value);
        if (reconstruct) squared += (value - input[k]) * (value - input[k]);
      }
      if (reconstruct) errors[static_cast<size_t>(i)] = static_cast<float>(squared / classes);
      if (raw_outputs != nullptr) {
        std::memcpy(raw_outputs->data() + i * out_bytes, out.data, static_cast<size_t>(out_bytes));
      }
    }
  });
  if (reconstruct) {
    train::Evaluation e;
    e.outputs = graph::Tensor({set.size(), classes}, std::move(scores));
    double sum = 0;
    for (float err : errors) sum += err;
    e.loss = sum / static_cast<double>(std::max<size_t>(errors.size(), 1));
    e.reconstruction_error = std::move(errors);
    return e;
  }
  if (set.is_detection()) return detection_evaluation(std::move(scores), out0, set.size());
  return evaluate_scores(std::move(scores), classes, set, regression);
}

train::Evaluation evaluate_scores(std::vector<float> scores, int64_t classes,
                                  const data::Dataset& set,
                                  const train::RegressionLoss& regression) {
  if (set.is_regression()) {
    return train::evaluate_regression(graph::Tensor({set.size(), classes}, std::move(scores)), set,
                                      regression.kind, regression.scale);
  }
  train::Evaluation e;
  e.outputs = graph::Tensor({set.size(), classes}, std::move(scores));
  // The loss: cross-entropy of the outputs, read as probabilities when they already are (a
  // model ending in SOFTMAX), else as logits.
  bool probabilities = true;
  for (int64_t i = 0; i < set.size() && probabilities; ++i) {
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k) {
      const float p = e.outputs[i * classes + k];
      probabilities = probabilities && p >= -1e-3f;
      sum += p;
    }
    probabilities = probabilities && std::abs(sum - 1.0) < 0.05;
  }
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < set.size(); ++i) {
    const float* row = e.outputs.data() + i * classes;
    const int label = set.label(i);
    if (probabilities) {
      loss -= std::log(std::max(row[label], 1e-7f));
    } else {
      const float m = *std::max_element(row, row + classes);
      double z = 0;
      for (int64_t k = 0; k < classes; ++k) z += std::exp(row[k] - m);
      loss -= row[label] - m - std::log(z);
    }
    correct += std::max_element(row, row + classes) - row == label;
  }
  e.loss = loss / std::max<int64_t>(set.size(), 1);
  e.accuracy_pct = 100.0 * correct / std::max<int64_t>(set.size(), 1);
  return e;
}

json run_evaluation(const std::filesystem::path& model, const std::optional<Project>& given,
                    const EvalOptions& options) {
  const bool tflite = model.extension() == ".tflite";
  if (!options.board.empty() && !tflite)
    throw host::Error(model.string() + ": --board runs a .tflite (convert the model first)");
  if (!options.raw_outputs.empty() && !tflite)
    throw host::Error(model.string() + ": raw outputs are written for a .tflite only");
  std::optional<train::Checkpoint> checkpoint;
  if (!tflite) checkpoint = train::load_checkpoint(model);
  Project project;
  if (given) {
    project = *given;
  } else if (checkpoint && !checkpoint->project.empty()) {
    project = stored_project(*checkpoint, model);
  } else {
    throw host::Error(model.string() + ": give the project file that names the dataset");
  }
  if (!options.data_path.empty()) {
    Overrides overrides;
    overrides.data_path = options.data_path;
    apply_overrides(project, overrides);
  }
  data::DatasetSplit split = load_project_data(project);
  if (checkpoint && is_regression(checkpoint->metadata) != split.train.is_regression()) {
    throw host::Error(model.string() + ": a " +
                      (is_regression(checkpoint->metadata) ? "regression" : "classification") +
                      " model, but the project's data are for " +
                      (split.train.is_regression() ? "regression" : "classification"));
  }
  // A .tflite's loss as training took it: the project's loss on targets scaled by the data's
  // train std (a .tfm keeps the std it trained with).
  const train::RegressionLoss regression_loss =
      checkpoint
          ? stored_regression_loss(checkpoint->metadata, project.training.trainer.loss)
          : train::RegressionLoss{project.training.trainer.loss, split.target_normalization.std};
  const char* split_name = "test";
  const data::Dataset& whole = report_split(split, &split_name);
  const bool sampled = options.limit > 0 && options.limit < whole.size();
  const uint64_t seed = options.seed.value_or(project.data.seed);
  const data::Dataset limited =
      sampled ? whole.subset(data::stratified_sample_indices(whole, options.limit, seed))
              : data::Dataset();
  const data::Dataset& set = sampled ? limited : whole;
  // An autoencoder is judged as an anomaly detector at the threshold stored with it.
  const bool reconstruct =
      !split.train.is_regression() && (checkpoint ? checkpoint->metadata.value("reconstruct", false)
                                                  : project.training.trainer.reconstruct);
  std::optional<double> threshold;
  if (reconstruct) {
    const json stored =
        checkpoint
            ? checkpoint->metadata
            : tflite::read_metadata(*host::ModelFile(model).model().flatbuffer(), model.string())
                  .extra;
    if (stored.contains("anomaly_threshold")) threshold = stored["anomaly_threshold"].get<double>();
  }
  const auto anomaly_figures_of = [&](const train::Evaluation& e, json& result) {
    if (!reconstruct) return;
    add_anomaly_figures(e.reconstruction_error, set,
                        project_normal_class(project, split.train.class_names()), threshold,
                        result);
  };
  if (reconstruct && !options.board.empty()) {
    throw host::Error(model.string() +
                      ": --board evaluates classifiers; run an autoencoder on the board with "
                      "`tinyforge stream --app anomaly --board B`");
  }
  json result;
  if (tflite && !options.board.empty()) {
    BoardEvaluation b =
        evaluate_on_board(model, set, options.board, options.timeout_seconds, regression_loss);
    result = test_metrics(b.evaluation, set, false, split.train.class_names());
    std::vector<uint64_t> sorted = b.instructions;
    std::sort(sorted.begin(), sorted.end());
    const host::ModelFile file(model);
    const host::DeviceArena device =
        host::device_arena(file.model(), deploy::board_info(options.board).kernels, options.board);
    result["arena_bytes"] = device.bytes;
    host::add_device_arena_json(result, device);
    result["device_arena_used_bytes"] = b.arena_bytes;
    result["instructions"] = sorted[sorted.size() / 2];
    result["instructions_min"] = sorted.front();
    result["instructions_max"] = sorted.back();
    if (!options.raw_outputs.empty())
      host::write_file(options.raw_outputs, b.raw_outputs.data(), b.raw_outputs.size());
  } else if (tflite) {
    const host::ModelFile file(model);
    std::vector<uint8_t> raw;
    const train::Evaluation e = evaluate_tflite(file, set, &raw, regression_loss, reconstruct);
    result = test_metrics(e, set, reconstruct, split.train.class_names());
    anomaly_figures_of(e, result);
    result["arena_bytes"] = result["host_arena_bytes"] =
        host::plan_arena(file.model(), host::host_plan_options()).total_bytes;
    if (!options.raw_outputs.empty()) host::write_file(options.raw_outputs, raw.data(), raw.size());
  } else {
    // The stored normalization is what the model was trained with; the data must match it.
    if (checkpoint->normalization_mean != split.normalization.mean ||
        checkpoint->normalization_std != split.normalization.std) {
      throw host::Error(model.string() +
                        ": the project's normalization differs from the one stored with the model");
    }
    train::TrainerConfig config = project.training.trainer;
    config.reconstruct = checkpoint->metadata.value("reconstruct", config.reconstruct);
    config.target_scale = regression_loss.scale;
    config.progress = false;
    config.box_detector = is_box_detector(checkpoint->metadata);
    graph::Graph graph = checkpoint->graph;
    train::Trainer trainer(graph, config);
    const train::Evaluation e = trainer.evaluate(set);
    result = test_metrics(e, set, config.reconstruct, checkpoint->labels);
    anomaly_figures_of(e, result);
    result["params"] = graph.parameter_count();
    result["macs"] = graph.macs();
  }
  result["evaluated_split"] = split_name;
  result["evaluated_samples"] = set.size();
  result["split_samples"] = whole.size();
  result["sample"] = sampled ? "stratified, seed " + std::to_string(seed) : "all";
  result["model_file"] = model.string();
  return result;
}

}  // namespace tinyforge::pipeline
