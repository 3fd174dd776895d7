// An autoencoder trained as an anomaly detector on a labelled folder: it learns the normal class
// only, anomalous clips are kept for validation and test, the alarm threshold on the
// reconstruction error is chosen on validation, and the test split reports ROC-AUC, MLPerf Tiny's
// pAUC and the decisions at that threshold (docs/project-file.md, "Anomaly detection").
#ifndef TINYFORGE_TOOLKIT_PIPELINE_ANOMALY_H_
#define TINYFORGE_TOOLKIT_PIPELINE_ANOMALY_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/data/dataset.h"
#include "toolkit/features/settings.h"
#include "toolkit/metrics/anomaly_metrics.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::pipeline {

// MLPerf Tiny's (and DCASE's) pAUC: false-positive rates up to 10 %.
constexpr double kPaucMaxFpr = 0.1;

// The index of the normal class among `classes`: `normal_class` when given (host::Error naming
// `where` and the classes when there is no such class), else `normal` when it is a class, else the
// only class. More than one class and none named: host::Error asking for training.normal_class.
int normal_class_index(const std::string& normal_class, const std::vector<std::string>& classes,
                       const std::string& where);

// Keeps train to the normal class: the other classes' training samples move, group by group in
// order of first appearance, to validation and test (in the proportion of their fractions; to the
// one that was asked for when only one was; dropped with a warning when neither was). The same
// data and settings always move the same samples.
void keep_normal_for_training(data::DatasetSplit& split, int normal, double validation_fraction,
                              double test_fraction);

// A clip's score is the mean reconstruction error of its samples (the windows of frames a clip
// gives with features.frames; a sample is a clip otherwise), as MLPerf Tiny scores a file and as a
// stream averaging over a clip's inferences decides. Clips are the samples' sources, in order of
// first appearance; labels are 0 for the normal class, 1 for every other.
struct ClipScores {
  std::vector<float> scores;
  std::vector<int> labels;
};
ClipScores clip_scores(std::span<const float> errors, const data::Dataset& set, int normal);

// The threshold on `errors` of validation samples (metrics::choose_threshold).
metrics::Threshold choose_anomaly_threshold(std::span<const float> errors,
                                            std::span<const int> labels);

// The figures of reconstruction errors against anomaly labels: roc_auc, pauc (max FPR 0.1),
// and with a threshold, threshold, precision, recall, f1, false_positive_rate and
// accuracy_pct of the decisions at it (null where undefined).
nlohmann::json anomaly_figures(std::span<const float> errors, std::span<const int> labels,
                               std::optional<double> threshold);

// How a stream scores the way clips were scored (metadata anomaly_average, anomaly_period): the
// model every `frames_stride` strides, its errors averaged over the inputs one clip gives. Empty
// unless audio features cut clips into several inputs (features.frames).
nlohmann::json stream_defaults(const std::optional<features::FeatureSettings>& features,
                               int64_t clip_samples);

// A checkpoint's anomaly_threshold, normal_class and stream defaults (when it has them) into an
// exported model's tinyforge metadata, where deploy --app anomaly and stream find them.
void export_anomaly(const nlohmann::json& checkpoint_metadata, tflite::Metadata& exported);

// The same as a line for people: "ROC-AUC 0.95, pAUC 0.87; at threshold 1.23: precision ...".
std::string anomaly_text(const nlohmann::json& figures);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_ANOMALY_H_
