#include "toolkit/pipeline/qat.h"

#include <filesystem>
#include <iostream>

#include "toolkit/host/error.h"
#include "toolkit/pipeline/convert.h"
#include "toolkit/pipeline/regression.h"
#include "toolkit/pipeline/train_run.h"
#include "toolkit/quantize/passes.h"
#include "toolkit/quantize/ptq.h"
#include "toolkit/quantize/qat.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/checkpoint.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

namespace {

using nlohmann::json;

// A prepared float graph has no state left but weights that were frozen for fine-tuning
// (BatchNorm statistics are folded); QAT adjusts every weight to the quantization grid, so they
// train again.
void unfreeze(graph::Graph& g) {
  for (graph::Value& v : g.values())
    if (v.kind == graph::ValueKind::kState) v.kind = graph::ValueKind::kParameter;
}

train::Checkpoint make_checkpoint(const graph::Graph& graph, const train::Trainer& trainer,
                                  const Project& project, const train::Checkpoint& source,
                                  const data::DatasetSplit& split) {
  train::Checkpoint c;
  c.graph = graph;
  trainer.save_state(c);
  c.labels = source.labels;
  c.normalization_mean = split.normalization.mean;
  c.normalization_std = split.normalization.std;
  c.project = project.text;
  c.metadata = source.metadata;
  c.metadata["qat"] = {{"from", project.training.qat->from.string()}};
  c.metadata["project_dir"] = project_dir(project);
  c.metadata["params"] = graph.parameter_count();
  c.metadata["macs"] = graph.macs();
  return c;
}

tflite::WriteOptions write_options(const train::Checkpoint& source,
                                   const data::DatasetSplit& split) {
  tflite::WriteOptions o;
  o.metadata = export_metadata(source.labels, split.normalization);
  return o;
}

}  // namespace

json run_qat(const Project& project, RunStart start) {
  if (!project.training.qat) throw host::Error(project.path.string() + ": training.qat is not set");
  RunDirectory out_dir(project.output_dir, start);
  const QatSpec& qat = *project.training.qat;
  const std::string label = project.path.string() + ": training.qat.from: ";
  if (!std::filesystem::exists(qat.from))
    throw host::Error(label + qat.from.string() + " does not exist (train the float model first)");
  const train::Checkpoint source = train::load_checkpoint(qat.from);
  if (is_regression(source.metadata))
    throw host::Error(label + "QAT is for classifiers; " + qat.from.string() +
                      " is a regression model (tinyforge convert --int8 quantizes it)");
  if (source.metadata.value("reconstruct", false))
    throw host::Error(label + "QAT is for classifiers; " + qat.from.string() +
                      " is an autoencoder");

  data::DatasetSplit split = load_project_data(project);
  if (source.normalization_mean != split.normalization.mean ||
      source.normalization_std != split.normalization.std) {
    throw host::Error(label + qat.from.string() +
                      " was trained with another input normalization than this project's data "
                      "section gives (use the same data section)");
  }
  const std::filesystem::path out = project.output_dir;
  out_dir.create();
  const std::filesystem::path model_file = out / "model.tfm";

  train::TrainerConfig config = project.training.trainer;
  config.log_csv = out / "log.csv";
  // Raw-audio augmentation (a Speech Commands folder's _background_noise_ by default) would act
  // on feature frames; with features the clips are used as they are (docs/features.md).
  if (!project.features)
    config.augmentation = data::make_augmentation(project.data, split.normalization);
  const data::Dataset& report = !split.test.empty() ? split.test : split.validation;
  if (report.empty())
    throw host::Error(label + "the dataset has neither a test nor a validation split");

  json result;
  // The float model's accuracy, as the reference QAT should stay close to.
  {
    graph::Graph float_graph = source.graph;
    train::TrainerConfig quiet = config;
    quiet.progress = false;
    quiet.log_csv.clear();
    train::Trainer t(float_graph, quiet);
    result["float_accuracy_pct"] = t.evaluate(report).accuracy_pct;
  }

  graph::Graph graph;
  std::optional<train::Checkpoint> resumed;
  if (start == RunStart::kResume) {
    resumed = train::load_checkpoint(model_file);
    if (resumed->labels != source.labels) {
      throw host::Error(model_file.string() + ": a QAT checkpoint of another model (its classes " +
                        "differ from " + qat.from.string() +
                        "'s); resume it with its own project "
                        "file, or train into another --out (or with --overwrite)");
    }
    graph = resumed->graph;
  } else {
    graph::Graph prepared = quantize::prepare_for_export(source.graph);
    unfreeze(prepared);
    const graph::Tensor samples = calibration_samples(split.train, qat.calibration_samples);
    quantize::CalibrationOptions co;
    co.method = qat.calibrator;
    const quantize::Calibration calibration =
        quantize::calibrate(prepared, quantize::batches_of(samples, 0, 256), co);
    if (qat.compare_ptq) {
      const std::filesystem::path ptq_file = out / "model_ptq_int8.tflite";
      tflite::write_tflite_file(quantize::quantize_graph(prepared, calibration),
                                write_options(source, split), ptq_file);
      result["ptq_accuracy_pct"] = run_evaluation(ptq_file, project)["test_accuracy_pct"];
      result["ptq_file"] = ptq_file.string();
    }
    quantize::QatOptions qo;
    qo.initial_ranges = &calibration;
    graph = quantize::insert_fake_quant(prepared, qo);
  }

  train::Trainer trainer(graph, config);
  if (resumed) trainer.restore_state(*resumed);
  if (config.progress) {
    std::cerr << "quantization-aware training from " << qat.from.string() << ": "
              << graph.parameter_count() << " parameters, " << split.train.size()
              << " training samples, float accuracy " << result["float_accuracy_pct"].dump() << "%";
    if (result.contains("ptq_accuracy_pct"))
      std::cerr << ", int8 without QAT " << result["ptq_accuracy_pct"].dump() << "%";
    std::cerr << std::endl;
  }
  trainer.fit(split.train, split.validation, [&](const train::EpochRecord&) {
    train::save_checkpoint(model_file, make_checkpoint(graph, trainer, project, source, split));
  });
  const double qat_accuracy = trainer.evaluate(report).accuracy_pct;

  const std::filesystem::path int8_file = out / "model_int8.tflite";
  tflite::write_tflite_file(quantize::convert_qat(graph), write_options(source, split), int8_file);
  json int8 = run_evaluation(int8_file, project);
  for (auto it = result.begin(); it != result.end(); ++it) int8[it.key()] = it.value();
  int8["qat_accuracy_pct"] = qat_accuracy;
  int8["quantized_accuracy_pct"] = int8["test_accuracy_pct"];
  json seconds = json::array();
  for (const train::EpochRecord& r : trainer.history()) seconds.push_back(r.seconds);
  int8["seconds_per_epoch"] = seconds;
  int8["epochs"] = trainer.epochs_done();
  int8["stopped_early"] = trainer.stopped_early();
  int8["params"] = graph.parameter_count();
  int8["model_file"] = model_file.string();
  int8["int8_file"] = int8_file.string();
  int8["log_file"] = config.log_csv.string();

  train::Checkpoint final_checkpoint = make_checkpoint(graph, trainer, project, source, split);
  final_checkpoint.metadata["test"] = {{"accuracy_pct", int8["test_accuracy_pct"]},
                                       {"qat_accuracy_pct", qat_accuracy}};
  train::save_checkpoint(model_file, final_checkpoint);
  return int8;
}

}  // namespace tinyforge::pipeline
