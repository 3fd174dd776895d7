#include "toolkit/pipeline/detection.h"

#include "toolkit/host/error.h"
#include "toolkit/pipeline/box_detection.h"
#include "toolkit/pipeline/centroid_detection.h"

namespace tinyforge::pipeline {

DetectorKind detector_kind(const graph::Shape& output_shape, int classes,
                           const std::string& where) {
  if (output_shape.size() == 4 && output_shape[3] == classes) return DetectorKind::kCentroid;
  if (output_shape.size() == 4 && output_shape[3] == classes + kBoxValues)
    return DetectorKind::kBox;
  throw host::Error(where +
                    ": a detection set (data.format voc/yolo) needs a model whose output is a "
                    "grid of cells [rows, cols, channels] with one channel per class (" +
                    std::to_string(classes) + ", background included: model.zoo fomo) or those " +
                    "and 4 box values (" + std::to_string(classes + kBoxValues) +
                    ": model.zoo box_detector); this model's output is " +
                    graph::shape_string(output_shape));
}

const char* detector_name(DetectorKind kind) {
  return kind == DetectorKind::kBox ? "box" : "centroid";
}

bool is_box_detector(const nlohmann::json& metadata) {
  return metadata.value("detector", std::string()) == "box";
}

nlohmann::json detection_figures(const graph::Tensor& outputs, const data::Dataset& set) {
  if (detector_kind(outputs.shape(), set.num_classes(), "detection outputs") == DetectorKind::kBox)
    return box_figures(box_objects(outputs, box_options(set)), set);
  return centroid_figures(centroid_objects(outputs, centroid_options(set)), set);
}

std::string detection_text(const nlohmann::json& figures) {
  return figures.contains("map50") ? box_text(figures) : centroid_text(figures);
}

std::vector<std::string> detection_keys(const nlohmann::json& figures) {
  std::vector<std::string> keys = {"f1", "precision", "recall", "count_mae"};
  if (figures.contains("map50")) keys.insert(keys.begin(), {"map50", "map50_95"});
  return keys;
}

}  // namespace tinyforge::pipeline
