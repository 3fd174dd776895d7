// A box detector's outputs turned into boxes by the runtime's decoder (the code a device runs:
// tinyforge/boxes.h) and scored against the boxes of a detection dataset (COCO mAP,
// metrics/box_metrics.h).
#ifndef TINYFORGE_TOOLKIT_PIPELINE_BOX_DETECTION_H_
#define TINYFORGE_TOOLKIT_PIPELINE_BOX_DETECTION_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/boxes.h"
#include "tinyforge/tensor.h"
#include "toolkit/data/dataset.h"
#include "toolkit/graph/tensor.h"
#include "toolkit/metrics/box_metrics.h"

namespace tinyforge::pipeline {

// Boxes a device reports at most per frame.
constexpr int kMaxBoxObjects = 32;

using BoxLists = std::vector<std::vector<metrics::DetectedBox>>;

// One sample's boxes from its output tensor (`output.data` set), scores as probabilities.
std::vector<metrics::DetectedBox> box_objects(const TensorView& output, const BoxOptions& options);

// From float outputs [N, rows, cols, classes + 4] (a .tfm's evaluation, a .tflite's dequantized
// outputs).
BoxLists box_objects(const graph::Tensor& outputs, const BoxOptions& options);

// The decoder's options for `set` (its classes, image width and height, default thresholds).
BoxOptions box_options(const data::Dataset& set);

// The detection figures of `boxes` on `set` (metrics::BoxReport::to_json), with test_accuracy_pct
// null: a detector has no accuracy.
nlohmann::json box_figures(const BoxLists& boxes, const data::Dataset& set);

// "mAP@0.5 0.912, mAP@0.5:0.95 0.603 (precision 0.93, recall 0.89 at IoU 0.5)".
std::string box_text(const nlohmann::json& figures);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_BOX_DETECTION_H_
