#include "toolkit/pipeline/box_detection.h"

#include <cstdio>

#include "toolkit/host/error.h"
#include "toolkit/pipeline/sample_views.h"

namespace tinyforge::pipeline {

std::vector<metrics::DetectedBox> box_objects(const TensorView& output, const BoxOptions& options) {
  BoxObject found[kMaxBoxObjects];
  int count = 0;
  if (decode_boxes(output, options, found, kMaxBoxObjects, &count, nullptr) != Status::kOk) {
    throw host::Error(std::string("output '") + (output.name ? output.name : "") +
                      "': expected per-cell class scores and a box [1, rows, cols, " +
                      std::to_string(options.classes) + " + 4] with 2.." +
                      std::to_string(kMaxBoxClasses) + " classes");
  }
  std::vector<metrics::DetectedBox> boxes;
  for (int i = 0; i < count; ++i) {
    const BoxObject& b = found[i];
    boxes.push_back({b.label, static_cast<float>(b.score) / kScoreOne, static_cast<float>(b.xmin),
                     static_cast<float>(b.ymin), static_cast<float>(b.xmax),
                     static_cast<float>(b.ymax)});
  }
  return boxes;
}

BoxLists box_objects(const graph::Tensor& outputs, const BoxOptions& options) {
  return decode_samples(outputs, "box decoding",
                        [&](const TensorView& view) { return box_objects(view, options); });
}

BoxOptions box_options(const data::Dataset& set) {
  BoxOptions options;
  options.classes = set.num_classes();
  options.input_height = static_cast<int>(set.sample_shape().at(0));
  options.input_width = static_cast<int>(set.sample_shape().at(1));
  return options;
}

nlohmann::json box_figures(const BoxLists& boxes, const data::Dataset& set) {
  std::vector<std::vector<data::Box>> truth;
  for (int64_t i = 0; i < set.size(); ++i) truth.push_back(set.boxes(i));
  nlohmann::json j =
      metrics::box_report(boxes, truth, set.num_classes()).to_json(set.class_names());
  j["test_accuracy_pct"] = nullptr;
  return j;
}

std::string box_text(const nlohmann::json& f) {
  auto number = [&](const char* key) {
    return f.contains(key) && f[key].is_number() ? f[key].get<double>() : 0.0;
  };
  char text[200];
  std::snprintf(text, sizeof text,
                "mAP@0.5 %.3f, mAP@0.5:0.95 %.3f (precision %.3f, recall %.3f at IoU 0.5)",
                number("map50"), number("map50_95"), number("precision"), number("recall"));
  return text;
}

}  // namespace tinyforge::pipeline
