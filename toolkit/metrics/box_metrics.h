// How well a box detector finds objects, as COCO scores it: per class and IoU threshold
// (0.50, 0.55, ..., 0.95) the detections of all images, highest score first, are matched greedily
// (each to the unmatched ground-truth box of its class with the highest IoU at or above the
// threshold), and the average precision is the mean of the interpolated precision (the best
// precision at that recall or beyond) at 101 recalls 0, 0.01, ..., 1. mAP@0.5 is the mean over the
// classes that have ground-truth boxes at IoU 0.5, mAP@0.5:0.95 the mean over those classes and
// the ten thresholds. A difficult box (VOC) does not count as an object: a detection matched to it
// is neither right nor wrong (COCO's "ignore"). Precision, recall, F1 and the counting error are
// those of centroid_metrics.h with the matches at IoU 0.5.
#ifndef TINYFORGE_TOOLKIT_METRICS_BOX_METRICS_H_
#define TINYFORGE_TOOLKIT_METRICS_BOX_METRICS_H_

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/data/detection.h"
#include "toolkit/metrics/centroid_metrics.h"

namespace tinyforge::metrics {

struct DetectedBox {
  int label = 0;  // >= 1 (0 is the background)
  float score = 0;
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;  // in the pixels the ground truth is in
};

constexpr int kIouThresholds = 10;  // 0.50:0.05:0.95

// The IoU threshold i (0.5 + i * 0.05, computed as COCO's numpy.linspace does).
double iou_threshold(int i);
double box_iou(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1,
               float by1);

struct BoxReport {
  // Per class (index = label, [0] unused) and IoU threshold; NaN for a class without ground truth.
  std::vector<std::array<double, kIouThresholds>> average_precision;
  double map50 = 0, map50_95 = 0;  // NaN when no class has ground truth
  CentroidReport at50;             // precision, recall, F1 and counting error at IoU 0.5

  // map50, map50_95, precision, recall, f1 (macro), count_mae, images and per_class (name: tp,
  // fp, fn, objects, precision, recall, f1, ap50, ap50_95); NaN as null.
  nlohmann::json to_json(const std::vector<std::string>& class_names) const;
};

// `predictions[i]` and `truth[i]` belong to image i; labels are in [1, num_classes).
BoxReport box_report(const std::vector<std::vector<DetectedBox>>& predictions,
                     const std::vector<std::vector<data::Box>>& truth, int num_classes);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_BOX_METRICS_H_
