#include "toolkit/pipeline/convert.h"

#include <chrono>
#include <iostream>

#include "toolkit/features/feature_graph.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/pipeline/anomaly.h"
#include "toolkit/pipeline/centroid_detection.h"
#include "toolkit/pipeline/detection.h"
#include "toolkit/pipeline/regression.h"
#include "toolkit/pipeline/train_run.h"
#include "toolkit/quantize/adaround.h"
#include "toolkit/quantize/bias_correction.h"
#include "toolkit/quantize/cross_layer_equalization.h"
#include "toolkit/quantize/error_report.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/quantize/ptq.h"
#include "toolkit/quantize/qat.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kCalibrationBatch = 256;
constexpr int64_t kBiasCorrectionSamples = 512;
// Mixed precision ranks each candidate by an error report of the model with it: a subset keeps
// that affordable.
constexpr int64_t kMixedPrecisionSamples = 256;

// The written model's arena (planned for a 32-bit device with the reference kernels) and size.
quantize::Footprint footprint_of(const graph::Graph& g) {
  const std::vector<uint8_t> bytes = tflite::write_tflite(g, {});
  const host::ModelFile file(bytes.data(), bytes.size(), "mixed precision");
  return {host::device_arena(file.model(), KernelSet::kReference).bytes, bytes.size()};
}

// The model to convert with what it was trained on: labels, and the project whose data splits
// calibrate and evaluate it.
struct Source {
  graph::Graph graph;
  std::vector<std::string> labels;
  Project project;
  std::optional<data::Normalization> trained_normalization;  // a .tfm's; a .tflite's comes along
  std::optional<train::RegressionLoss> regression_loss;      // a regression .tfm's
  // What the model is (a .tfm's metadata; a tinyforge .tflite's extra metadata keys).
  nlohmann::json description = nlohmann::json::object();
};

Source load_source(const fs::path& model, const std::optional<Project>& given) {
  if (!fs::exists(model)) throw host::Error(model.string() + ": no such file");
  Source s;
  if (model.extension() == ".tflite") {
    if (!given) {
      throw host::Error(model.string() +
                        ": a .tflite holds no project; give --project PROJECT.yaml (its training "
                        "split calibrates, its test split evaluates)");
    }
    tflite::Imported imported = tflite::import_tflite(model);
    s.graph = std::move(imported.graph);
    s.labels = std::move(imported.metadata.labels);
    s.description = std::move(imported.metadata.extra);
    s.project = *given;
    // As for fine-tuning: a tinyforge .tflite's stored input normalization is applied to the data.
    s.project.model.from = model;
    return s;
  }
  train::Checkpoint c = train::load_checkpoint(model);
  if (given) {
    s.project = *given;
  } else if (!c.project.empty()) {
    s.project = stored_project(c, model);
  } else {
    throw host::Error(model.string() + ": no project stored; give --project PROJECT.yaml");
  }
  if (is_regression(c.metadata))
    s.regression_loss = stored_regression_loss(c.metadata, s.project.training.trainer.loss);
  s.description = c.metadata;
  s.graph = std::move(c.graph);
  s.labels = std::move(c.labels);
  s.trained_normalization = data::Normalization{c.normalization_mean, c.normalization_std};
  return s;
}

bool has_fake_quant(const graph::Graph& g) {
  for (const graph::Node& n : g.nodes())
    if (n.type == graph::OpType::kFakeQuant) return true;
  return false;
}

quantize::Scheme scheme_of(ConvertDtype d) {
  return d == ConvertDtype::kInt16x8 ? quantize::Scheme::kInt16x8 : quantize::Scheme::kInt8;
}

json macro_f1(const json& metrics) {
  return metrics.contains("macro_f1") ? metrics["macro_f1"] : json(nullptr);
}

// A regression's figures as convert reports them: float_mae, quantized_mae (null for float32),
// output_mae, and the same for R².
void add_regression_figures(const json& float_metrics, const json& output_metrics, bool quantized,
                            json& result) {
  for (const char* metric : {"mae", "r2"}) {
    const std::string m = metric;
    result["float_" + m] = float_metrics["test_" + m];
    result["output_" + m] = output_metrics["test_" + m];
    result["quantized_" + m] = quantized ? output_metrics["test_" + m] : json(nullptr);
  }
}

// An anomaly detector's figures as convert reports them: float_, quantized_ (null for float32)
// and output_ roc_auc and pauc, and the written model's decisions at its threshold.
void add_anomaly_convert_figures(const json& float_metrics, const json& output_metrics,
                                 bool quantized, json& result) {
  for (const char* metric : {"roc_auc", "pauc"}) {
    const std::string m = metric;
    result["float_" + m] = float_metrics.value(m, json());
    result["output_" + m] = output_metrics.value(m, json());
    result["quantized_" + m] = quantized ? output_metrics.value(m, json()) : json(nullptr);
  }
  for (const char* key : {"precision", "recall", "f1", "false_positive_rate", "normal_class",
                          "clips", "anomalies", "normals", "pauc_max_fpr"})
    result[key] = output_metrics.value(key, json());
}

}  // namespace

const char* convert_dtype_name(ConvertDtype d) {
  switch (d) {
    case ConvertDtype::kFloat32:
      return "float32";
    case ConvertDtype::kInt8:
      return "int8";
    case ConvertDtype::kInt16x8:
      return "int16x8";
  }
  return "?";
}

graph::Tensor calibration_samples(const data::Dataset& train, int64_t count) {
  const int64_t n = count <= 0 ? train.size() : std::min<int64_t>(count, train.size());
  std::vector<int64_t> indices(n);
  for (int64_t i = 0; i < n; ++i) indices[i] = i * train.size() / n;
  return train.gather(indices);
}

tflite::Metadata export_metadata(const std::vector<std::string>& labels,
                                 const data::Normalization& normalization, const json& features) {
  tflite::Metadata m;
  if (!features.is_null()) m.extra["features"] = features;
  m.labels = labels;
  m.input_mean = normalization.mean;
  m.input_std = normalization.std;
  m.version = "tinyforge";
  return m;
}

std::vector<uint8_t> convert_graph(const graph::Graph& trained, const data::Dataset& train,
                                   const ConvertOptions& options, const tflite::Metadata& metadata,
                                   json* details) {
  tflite::WriteOptions write_options;
  write_options.float_io = options.float_io;
  write_options.metadata = metadata;
  return tflite::write_tflite(quantize_for_export(trained, train, options, details), write_options);
}

graph::Graph quantize_for_export(const graph::Graph& trained, const data::Dataset& train,
                                 const ConvertOptions& options, json* details) {
  const auto progress = [&](const std::string& step) {
    if (options.progress) std::cerr << "convert: " << step << std::endl;
  };
  json facts = json::object();
  graph::Graph converted;
  if (has_fake_quant(trained)) {
    if (options.dtype != ConvertDtype::kInt8)
      throw host::Error("a QAT checkpoint converts to int8 only (--int8)");
    progress("converting the QAT graph with its learned ranges");
    converted = quantize::convert_qat(trained);
    facts["calibration_samples"] = 0;
  } else {
    graph::Graph prepared = quantize::prepare_for_export(trained);
    if (options.dtype == ConvertDtype::kFloat32) {
      converted = std::move(prepared);
    } else {
      if (options.equalize) {
        progress("cross-layer equalization");
        facts["equalized"] =
            quantize::equalized_pairs_json(quantize::equalize_cross_layer(prepared));
      }
      const graph::Tensor samples = calibration_samples(train, options.calibration_samples);
      const int64_t count = samples.shape()[0];
      progress("calibrating (" + std::string(quantize::calibrator_name(options.calibrator)) +
               ") on " + std::to_string(count) + " training samples");
      quantize::CalibrationOptions co;
      co.method = options.calibrator;
      co.activation_dtype =
          options.dtype == ConvertDtype::kInt16x8 ? DataType::kInt16 : DataType::kInt8;
      const quantize::BatchProvider batches = quantize::batches_of(samples, 0, kCalibrationBatch);
      const quantize::Calibration calibration = quantize::calibrate(prepared, batches, co);
      converted = quantize::quantize_graph(prepared, calibration,
                                           {scheme_of(options.dtype), options.input_quantization});
      facts["calibration_samples"] = count;
      facts["calibrator"] = quantize::calibrator_name(options.calibrator);
      if (options.adaround) {
        progress(
            "learned rounding (AdaRound), layer by layer, on " +
            std::to_string(std::min<int64_t>(
                options.adaround_options.samples <= 0 ? count : options.adaround_options.samples,
                count)) +
            " samples");
        facts["adaround"] = quantize::adaround_json(
            quantize::adaround(prepared, converted, samples, options.adaround_options));
      }
      if (options.bias_correction) {
        // Means per channel settle within a few hundred samples; more only costs time.
        const quantize::BatchProvider subset =
            quantize::batches_of(samples, kBiasCorrectionSamples, kCalibrationBatch);
        progress("bias correction, layer by layer");
        facts["bias_correction"] =
            quantize::bias_corrections_json(quantize::correct_biases(prepared, converted, subset));
      }
      if (options.mixed_precision) {
        progress(
            "mixed precision: ranking layers by the output error 16x8 saves, within the budget");
        co.activation_dtype = DataType::kInt16;
        const graph::Graph wide = quantize::quantize_graph(
            prepared, quantize::calibrate(prepared, batches, co), {quantize::Scheme::kInt16x8});
        const std::vector<quantize::Candidate> ranked = quantize::rank_candidates(
            prepared, converted, wide,
            quantize::batches_of(samples, kMixedPrecisionSamples, kCalibrationBatch));
        const quantize::MixedPrecisionPlan plan = quantize::choose_mixed_precision(
            ranked, options.mixed_precision_budget, [&](const std::set<std::string>& layers) {
              return footprint_of(
                  quantize::mix_precision(prepared, converted, wide, layers).quantized);
            });
        facts["mixed_precision"] = quantize::mixed_precision_json(plan);
        quantize::MixedGraphs mixed =
            quantize::mix_precision(prepared, converted, wide, plan.int16_layers);
        prepared = std::move(mixed.float_graph);
        converted = std::move(mixed.quantized);
      }
      if (!options.error_report.empty()) {
        progress("per-layer error report");
        const quantize::ErrorReport report =
            quantize::quantization_error_report(prepared, converted, batches);
        json report_json = report.to_json();
        // What the options did per layer goes with the errors they leave.
        for (const char* key : {"adaround", "bias_correction", "mixed_precision"})
          if (facts.contains(key)) report_json[key] = facts[key];
        const std::string text = report_json.dump(2) + "\n";
        host::write_file(options.error_report, text.data(), text.size());
        facts["error_report_file"] = options.error_report.string();
      }
    }
  }
  if (details != nullptr) details->update(facts);
  return converted;
}

json run_conversion(const fs::path& model, const std::optional<Project>& project,
                    const ConvertOptions& options, const fs::path& output) {
  const auto start = std::chrono::steady_clock::now();
  const auto progress = [&](const std::string& step) {
    if (options.progress) std::cerr << "convert: " << step << std::endl;
  };
  if (output.empty()) throw host::Error("convert: give the output file with -o OUT.tflite");
  if (output.extension() != ".tflite")
    throw host::Error("-o " + output.string() + ": the output must end in .tflite");
  const bool quantized = options.dtype != ConvertDtype::kFloat32;
  if (options.float_io && !quantized)
    throw host::Error("--io-dtype float32 is for --int8/--int16x8; a --float model is float32");

  Source source = load_source(model, project);
  if (options.mixed_precision && options.dtype != ConvertDtype::kInt8)
    throw host::Error("--mixed-precision: mixes 16x8 layers into an int8 model; give --int8");
  if (has_fake_quant(source.graph) && options.dtype != ConvertDtype::kInt8)
    throw host::Error(model.string() + ": a QAT checkpoint converts to int8 only (--int8)");
  progress("loading the data of " + source.project.name);
  const data::DatasetSplit split = load_project_data(
      source.project, source.project.features ? &*source.project.features : nullptr);
  if (source.trained_normalization &&
      (source.trained_normalization->mean != split.normalization.mean ||
       source.trained_normalization->std != split.normalization.std)) {
    throw host::Error(model.string() +
                      ": the project's normalization differs from the one stored with the model");
  }
  const bool on_test = !split.test.empty();
  const data::Dataset& set = on_test ? split.test : split.validation;
  if (set.empty())
    throw host::Error(model.string() +
                      ": the project's data has neither a test nor a validation "
                      "split to evaluate on");
  if (source.labels.empty()) source.labels = split.train.class_names();
  const bool regression = split.train.is_regression();
  if (model.extension() != ".tflite" && regression != source.regression_loss.has_value()) {
    throw host::Error(
        model.string() + ": a " + (source.regression_loss ? "regression" : "classification") +
        " model, but the project's data are for " + (regression ? "regression" : "classification"));
  }
  const train::RegressionLoss regression_loss =
      source.regression_loss ? *source.regression_loss
                             : train::RegressionLoss{source.project.training.trainer.loss,
                                                     split.target_normalization.std};

  // An autoencoder on labelled data is an anomaly detector: judged by its clips' reconstruction
  // errors (pipeline/anomaly.h), its threshold chosen again for the written model.
  const bool anomaly = !regression && (model.extension() == ".tflite"
                                           ? source.project.training.trainer.reconstruct
                                           : source.description.value("reconstruct", false));
  const int normal = anomaly ? normal_class_index(source.project.training.normal_class,
                                                  split.train.class_names(), model.string())
                             : -1;
  std::optional<double> trained_threshold;
  if (source.description.contains("anomaly_threshold"))
    trained_threshold = source.description["anomaly_threshold"].get<double>();

  progress("evaluating the float model on " + std::to_string(set.size()) + " samples");
  json float_metrics;
  {
    graph::Graph g = source.graph;
    train::TrainerConfig config = source.project.training.trainer;
    config.progress = false;
    config.reconstruct = anomaly;
    config.box_detector = is_box_detector(source.description);
    config.target_scale = regression_loss.scale;
    train::Trainer trainer(g, config);
    const train::Evaluation e = trainer.evaluate(set);
    float_metrics = test_metrics(e, set, anomaly, source.labels);
    if (anomaly)
      add_anomaly_figures(e.reconstruction_error, set, normal, trained_threshold, float_metrics);
  }

  json result;
  ConvertOptions pinned = options;
  json features_json;
  if (const auto& features = source.project.features) {
    features_json = features::to_json(*features);
    const features::FrameQuantization q = features::frame_quantization(*features);
    if (features->is_audio() && options.dtype == ConvertDtype::kInt8 && !options.float_io)
      pinned.input_quantization = quantize::QuantParams{q.scale, q.zero_point};
  }
  tflite::WriteOptions write_options;
  write_options.float_io = options.float_io;
  write_options.metadata = export_metadata(source.labels, split.normalization, features_json);
  export_regression(source.description, write_options.metadata);
  export_detector(source.description, write_options.metadata);
  const graph::Graph converted = quantize_for_export(source.graph, split.train, pinned, &result);
  std::vector<uint8_t> bytes = tflite::write_tflite(converted, write_options);
  std::optional<double> threshold;
  if (anomaly) {
    // The device compares the written model's error with the threshold, so it is chosen on that
    // model's errors (validation, else the normal training clips), as training chose the float
    // model's.
    const bool on_validation = !split.validation.empty();
    const data::Dataset& choose_on = on_validation ? split.validation : split.train;
    progress("choosing the threshold on the " + std::to_string(choose_on.size()) + " " +
             (on_validation ? "validation" : "training") + " samples");
    const host::ModelFile draft(bytes.data(), bytes.size(), output.string());
    const ClipScores clips = clip_scores(
        evaluate_tflite(draft, choose_on, nullptr, regression_loss, true).reconstruction_error,
        choose_on, normal);
    const metrics::Threshold chosen = choose_anomaly_threshold(clips.scores, clips.labels);
    threshold = chosen.value;
    json& extra = write_options.metadata.extra;
    extra.update(stream_defaults(source.project.features, source.project.data.audio.length));
    extra["anomaly_threshold"] = chosen.value;
    extra["normal_class"] = split.train.class_names().at(static_cast<size_t>(normal));
    bytes = tflite::write_tflite(converted, write_options);
    result["threshold"] = chosen.value;
    result["threshold_rule"] =
        chosen.rule + " (" + (on_validation ? "validation" : "train") + " split)";
    result["trained_threshold"] = trained_threshold ? json(*trained_threshold) : json(nullptr);
  }
  const host::ModelFile file(bytes.data(), bytes.size(), output.string());
  progress("evaluating " + output.filename().string() + " in tinyforge's runtime");
  const train::Evaluation output_evaluation =
      evaluate_tflite(file, set, nullptr, regression_loss, anomaly);
  json output_metrics = test_metrics(output_evaluation, set, anomaly, source.labels);
  if (anomaly) {
    add_anomaly_figures(output_evaluation.reconstruction_error, set, normal, threshold,
                        output_metrics);
  }
  // Only now, with everything computed, does the file appear (atomically); a feature graph goes
  // beside it, so the folder holds what a device runs.
  host::write_file(output, bytes.data(), bytes.size());
  if (source.project.features) {
    const fs::path features_file = output.parent_path() / "features.tflite";
    const std::vector<uint8_t> graph = features::build_feature_model(*source.project.features);
    host::write_file(features_file, graph.data(), graph.size());
    result["features_file"] = features_file.string();
  }

  const json output_accuracy = output_metrics["test_accuracy_pct"];
  result["output"] = output.string();
  result["dtype"] = convert_dtype_name(options.dtype);
  result["io_dtype"] = !quantized || options.float_io            ? "float32"
                       : options.dtype == ConvertDtype::kInt16x8 ? "int16"
                                                                 : "int8";
  result["float_accuracy_pct"] = float_metrics["test_accuracy_pct"];
  result["quantized_accuracy_pct"] = quantized ? output_accuracy : json(nullptr);
  result["output_accuracy_pct"] = output_accuracy;
  result["float_macro_f1"] = macro_f1(float_metrics);
  result["output_macro_f1"] = macro_f1(output_metrics);
  if (regression) add_regression_figures(float_metrics, output_metrics, quantized, result);
  if (set.is_detection()) {
    // A detector's figures are the macro F1 and a box detector's mAP (its accuracies are null).
    for (const char* key : {"f1", "map50", "map50_95"}) {
      if (!float_metrics.contains(key)) continue;
      result[std::string("float_") + key] = float_metrics[key];
      result[std::string("output_") + key] = output_metrics[key];
      result[std::string("quantized_") + key] = quantized ? output_metrics[key] : json(nullptr);
    }
  }
  if (anomaly) add_anomaly_convert_figures(float_metrics, output_metrics, quantized, result);
  result["evaluated_split"] = on_test ? "test" : "validation";
  result["evaluated_samples"] = set.size();
  result["model_bytes"] = bytes.size();
  // The host interpreter's figure (what eval and run use here); a device's is inspect --board's.
  result["arena_bytes"] = result["host_arena_bytes"] =
      host::plan_arena(file.model(), host::host_plan_options()).total_bytes;
  result["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace tinyforge::pipeline
