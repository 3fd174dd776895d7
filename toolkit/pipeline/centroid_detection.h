// A centroid detector's outputs turned into objects by the runtime's decoder (the code a device
// runs: tinyforge/centroids.h) and scored against the boxes of a detection dataset.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_CENTROID_DETECTION_H_
#define TINYFORGE_TOOLKIT_PIPELINE_CENTROID_DETECTION_H_

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/centroids.h"
#include "tinyforge/tensor.h"
#include "toolkit/data/dataset.h"
#include "toolkit/graph/tensor.h"
#include "toolkit/metrics/centroid_metrics.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

// Objects a device reports at most per frame.
constexpr int kMaxCentroidObjects = 32;

using ObjectLists = std::vector<std::vector<metrics::DetectedObject>>;

// One sample's objects from its output tensor (`output.data` set), scores as probabilities.
std::vector<metrics::DetectedObject> centroid_objects(const TensorView& output,
                                                      const CentroidOptions& options);

// Every sample's objects from raw output bytes, back to back, shaped as `output` (a model's output
// tensor: dtype, shape, quantization).
ObjectLists centroid_objects(TensorView output, const std::vector<uint8_t>& raw, int64_t samples,
                             const CentroidOptions& options);

// From float outputs [N, rows, cols, classes] (a .tfm's evaluation).
ObjectLists centroid_objects(const graph::Tensor& outputs, const CentroidOptions& options);

// The decoder's options for `set`'s images (their width and height, the default threshold).
CentroidOptions centroid_options(const data::Dataset& set);

// The detection figures of `objects` on `set` (metrics::CentroidReport::to_json), with
// test_accuracy_pct null: a detector has no accuracy.
nlohmann::json centroid_figures(const ObjectLists& objects, const data::Dataset& set);

// A .tflite's dequantized outputs of `samples` samples as an evaluation: outputs shaped
// [samples, rows, cols, classes] as `output` is, no loss (NaN).
train::Evaluation detection_evaluation(std::vector<float> scores, const TensorView& output,
                                       int64_t samples);

// A checkpoint's detector kind ("detector": "centroid") into an exported model's tinyforge
// metadata, where detect and deploy find it.
void export_detector(const nlohmann::json& checkpoint_metadata, tflite::Metadata& exported);
bool is_centroid_detector(const nlohmann::json& metadata);

// "F1 0.91 (precision 0.93, recall 0.89), counting error 0.12 per image".
std::string centroid_text(const nlohmann::json& figures);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_CENTROID_DETECTION_H_
