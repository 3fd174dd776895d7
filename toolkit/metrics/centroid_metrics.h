// How well a centroid detector finds objects: a predicted object matches a ground-truth box of its
// class when its centre lies inside the box, each box matches at most one prediction (the
// highest-scoring first), and per class precision, recall and F1 follow from the matches. A
// difficult box (VOC) that nothing matched is not a miss, and a prediction on it not a false
// alarm. The counting error is how far the per-image count of each class is off.
#ifndef TINYFORGE_TOOLKIT_METRICS_CENTROID_METRICS_H_
#define TINYFORGE_TOOLKIT_METRICS_CENTROID_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/data/detection.h"

namespace tinyforge::metrics {

struct DetectedObject {
  int label = 0;  // >= 1 (0 is the background)
  float score = 0;
  float x = 0, y = 0;  // centre, in the pixels the boxes are in
};

struct CentroidClassFigures {
  int64_t true_positives = 0, false_positives = 0, false_negatives = 0;
  int64_t objects = 0;  // ground-truth boxes
  // With nothing predicted and nothing to find a class's figures are 1; with nothing predicted
  // but objects to find, precision is 0 (and so on): a silent detector scores 0, not NaN.
  double precision = 0, recall = 0, f1 = 0;
};

struct CentroidReport {
  std::vector<CentroidClassFigures> classes;  // index = label; [0] (background) unused
  // Means over the object classes that have ground-truth boxes or predictions.
  double precision = 0, recall = 0, f1 = 0;
  // Mean over images of sum over classes |predicted count - true count|.
  double count_mae = 0;
  int64_t images = 0;

  // precision, recall, f1 (macro), count_mae, images and per_class (name: tp, fp, fn, objects,
  // precision, recall, f1).
  nlohmann::json to_json(const std::vector<std::string>& class_names) const;
};

// `predictions[i]` and `truth[i]` belong to image i; labels are in [1, num_classes).
CentroidReport centroid_report(const std::vector<std::vector<DetectedObject>>& predictions,
                               const std::vector<std::vector<data::Box>>& truth, int num_classes);

// For detectors that match otherwise (box_metrics.h): the report from each class's matched counts
// (`classes[k]`: tp, fp, fn, objects) and the images' summed counting error.
CentroidReport report_from_matches(std::vector<CentroidClassFigures> classes, int64_t images,
                                   int64_t count_error);

// One image's counting error: the sum over classes of |predicted count - true count|. Throws
// host::Error for a predicted label outside [1, num_classes).
int64_t image_count_error(const std::vector<int>& predicted_labels,
                          const std::vector<data::Box>& boxes, int num_classes);

}  // namespace tinyforge::metrics

#endif  // TINYFORGE_TOOLKIT_METRICS_CENTROID_METRICS_H_
