// What train, eval and convert do with a detection set whatever the detector: tell a centroid
// detector (per-cell class logits, centroid_detection.h) from a box detector (class logits and a
// box per cell, box_detection.h) by its output, and score and describe its outputs.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_DETECTION_H_
#define TINYFORGE_TOOLKIT_PIPELINE_DETECTION_H_

#include <string>

#include <nlohmann/json.hpp>

#include "toolkit/data/dataset.h"
#include "toolkit/graph/graph.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::pipeline {

enum class DetectorKind { kCentroid, kBox };

// From the model's output shape [N, rows, cols, channels] and the set's classes (background
// included): `classes` channels are a centroid detector, classes + 4 a box detector. Throws
// host::Error naming `where` for another output.
DetectorKind detector_kind(const graph::Shape& output_shape, int classes, const std::string& where);
// "centroid" or "box", as the models' metadata records it ("detector").
const char* detector_name(DetectorKind kind);
bool is_box_detector(const nlohmann::json& metadata);

// The figures of a detector's outputs [N, rows, cols, channels] on `set`: centroid F1 or box mAP.
nlohmann::json detection_figures(const graph::Tensor& outputs, const data::Dataset& set);
// The headline of those figures, for either detector.
std::string detection_text(const nlohmann::json& figures);
// The keys a checkpoint's "test" record keeps of them.
std::vector<std::string> detection_keys(const nlohmann::json& figures);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_DETECTION_H_
