#include "toolkit/pipeline/centroid_detection.h"

#include <cstdio>
#include <limits>

#include "toolkit/host/error.h"
#include "toolkit/pipeline/sample_views.h"

namespace tinyforge::pipeline {

std::vector<metrics::DetectedObject> centroid_objects(const TensorView& output,
                                                      const CentroidOptions& options) {
  CentroidObject found[kMaxCentroidObjects];
  int count = 0;
  if (decode_centroids(output, options, found, kMaxCentroidObjects, &count, nullptr) !=
      Status::kOk) {
    throw host::Error(std::string("output '") + output.name +
                      "': expected per-cell class scores [1, rows, cols, classes] with 2.." +
                      std::to_string(kMaxCentroidClasses) + " classes");
  }
  std::vector<metrics::DetectedObject> objects;
  for (int i = 0; i < count; ++i) {
    objects.push_back({found[i].label, static_cast<float>(found[i].score) / kScoreOne,
                       static_cast<float>(found[i].x), static_cast<float>(found[i].y)});
  }
  return objects;
}

ObjectLists centroid_objects(TensorView output, const std::vector<uint8_t>& raw, int64_t samples,
                             const CentroidOptions& options) {
  if (raw.size() != output.bytes() * static_cast<size_t>(samples))
    throw host::Error("centroid decoding: the raw outputs do not hold " + std::to_string(samples) +
                      " outputs of " + std::to_string(output.bytes()) + " bytes");
  ObjectLists lists;
  for (int64_t i = 0; i < samples; ++i) {
    output.data = const_cast<uint8_t*>(raw.data()) + i * output.bytes();
    lists.push_back(centroid_objects(output, options));
  }
  return lists;
}

ObjectLists centroid_objects(const graph::Tensor& outputs, const CentroidOptions& options) {
  return decode_samples(outputs, "centroid decoding",
                        [&](const TensorView& view) { return centroid_objects(view, options); });
}

CentroidOptions centroid_options(const data::Dataset& set) {
  CentroidOptions options;
  options.input_height = static_cast<int>(set.sample_shape().at(0));
  options.input_width = static_cast<int>(set.sample_shape().at(1));
  return options;
}

nlohmann::json centroid_figures(const ObjectLists& objects, const data::Dataset& set) {
  std::vector<std::vector<data::Box>> truth;
  for (int64_t i = 0; i < set.size(); ++i) truth.push_back(set.boxes(i));
  nlohmann::json j =
      metrics::centroid_report(objects, truth, set.num_classes()).to_json(set.class_names());
  j["test_accuracy_pct"] = nullptr;
  return j;
}

train::Evaluation detection_evaluation(std::vector<float> scores, const TensorView& output,
                                       int64_t samples) {
  graph::Shape shape{samples};
  for (int d = output.rank == 4 ? 1 : 0; d < output.rank; ++d) shape.push_back(output.dim(d));
  train::Evaluation e;
  e.loss = std::numeric_limits<double>::quiet_NaN();
  e.outputs = graph::Tensor(shape, std::move(scores));
  return e;
}

void export_detector(const nlohmann::json& checkpoint_metadata, tflite::Metadata& exported) {
  if (checkpoint_metadata.contains("detector"))
    exported.extra["detector"] = checkpoint_metadata["detector"];
}

bool is_centroid_detector(const nlohmann::json& metadata) {
  return metadata.value("detector", std::string()) == "centroid";
}

std::string centroid_text(const nlohmann::json& f) {
  char text[160];
  std::snprintf(text, sizeof text,
                "F1 %.3f (precision %.3f, recall %.3f), counting error %.3f objects per image",
                f.value("f1", 0.0), f.value("precision", 0.0), f.value("recall", 0.0),
                f.value("count_mae", 0.0));
  return text;
}

}  // namespace tinyforge::pipeline
