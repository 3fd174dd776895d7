#include "toolkit/metrics/box_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kRecallPoints = 101;

enum class Outcome { kTruePositive, kFalsePositive, kIgnored };

struct Scored {
  float score;
  Outcome outcome;
};

double iou(const DetectedBox& d, const data::Box& b) {
  return box_iou(d.xmin, d.ymin, d.xmax, d.ymax, b.xmin, b.ymin, b.xmax, b.ymax);
}

// One image, one class, one threshold, as COCO's evaluateImg: detections best first, each takes
// the unmatched box with the highest IoU >= threshold, a box that counts before a difficult one.
void match(const std::vector<const DetectedBox*>& detections,
           const std::vector<const data::Box*>& boxes, double threshold, std::vector<Scored>& out) {
  std::vector<char> taken(boxes.size(), 0);
  for (const DetectedBox* d : detections) {
    double best = std::min(threshold, 1 - 1e-10);
    int m = -1;
    for (size_t g = 0; g < boxes.size(); ++g) {
      if (taken[g]) continue;
      if (m >= 0 && !boxes[m]->difficult && boxes[g]->difficult) break;
      const double overlap = iou(*d, *boxes[g]);
      if (overlap < best) continue;
      best = overlap;
      m = static_cast<int>(g);
    }
    Outcome outcome = Outcome::kFalsePositive;
    if (m >= 0) {
      taken[m] = 1;
      outcome = boxes[m]->difficult ? Outcome::kIgnored : Outcome::kTruePositive;
    }
    out.push_back({d->score, outcome});
  }
}

// COCO's accumulate: precision made non-increasing from the right, read at 101 recalls.
double average_precision(std::vector<Scored> scored, int64_t objects) {
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<double> recall, precision;
  int64_t tp = 0, fp = 0;
  for (const Scored& s : scored) {
    if (s.outcome == Outcome::kIgnored) continue;
    (s.outcome == Outcome::kTruePositive ? tp : fp) += 1;
    recall.push_back(static_cast<double>(tp) / static_cast<double>(objects));
    precision.push_back(static_cast<double>(tp) / static_cast<double>(tp + fp));
  }
  for (size_t i = precision.size(); i-- > 1;)
    precision[i - 1] = std::max(precision[i - 1], precision[i]);
  double sum = 0;
  for (int i = 0; i < kRecallPoints; ++i) {
    const double r = i * (1.0 / (kRecallPoints - 1));  // numpy.linspace(0, 1, 101)
    const auto at = std::lower_bound(recall.begin(), recall.end(), r);
    if (at != recall.end()) sum += precision[at - recall.begin()];
  }
  return sum / kRecallPoints;
}

double mean_of_valid(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? sum / n : kNaN;
}

nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
}

}  // namespace

double iou_threshold(int i) { return 0.5 + i * ((0.95 - 0.5) / (kIouThresholds - 1)); }

double box_iou(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1,
               float by1) {
  const double w = std::min<double>(ax1, bx1) - std::max<double>(ax0, bx0);
  const double h = std::min<double>(ay1, by1) - std::max<double>(ay0, by0);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h;
  const double both = static_cast<double>(ax1 - ax0) * (ay1 - ay0) +
                      static_cast<double>(bx1 - bx0) * (by1 - by0) - inter;
  return both > 0 ? inter / both : 0;
}

BoxReport box_report(const std::vector<std::vector<DetectedBox>>& predictions,
                     const std::vector<std::vector<data::Box>>& truth, int num_classes) {
  if (predictions.size() != truth.size())
    throw host::Error("box metrics: predictions and ground truth differ in image count");
  const size_t classes = static_cast<size_t>(std::max(num_classes, 1));
  // Per class and threshold, every image's matched detections; per class the objects to find.
  std::vector<std::array<std::vector<Scored>, kIouThresholds>> scored(classes);
  std::vector<int64_t> objects(classes, 0);
  int64_t count_error = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    std::vector<int> labels;
    for (const DetectedBox& d : predictions[i]) labels.push_back(d.label);
    count_error += image_count_error(labels, truth[i], num_classes);
    for (size_t k = 1; k < classes; ++k) {
      std::vector<const DetectedBox*> detections;
      for (const DetectedBox& d : predictions[i])
        if (d.label == static_cast<int>(k)) detections.push_back(&d);
      std::stable_sort(
          detections.begin(), detections.end(),
          [](const DetectedBox* a, const DetectedBox* b) { return a->score > b->score; });
      std::vector<const data::Box*> boxes;
      for (bool difficult : {false, true})
        for (const data::Box& b : truth[i])
          if (b.label == static_cast<int>(k) && b.difficult == difficult) boxes.push_back(&b);
      for (const data::Box* b : boxes) objects[k] += !b->difficult;
      for (int t = 0; t < kIouThresholds; ++t)
        match(detections, boxes, iou_threshold(t), scored[k][t]);
    }
  }
  BoxReport r;
  r.average_precision.assign(classes, {});
  std::vector<CentroidClassFigures> at50(classes);
  std::vector<double> ap50, ap50_95;
  for (size_t k = 1; k < classes; ++k) {
    for (int t = 0; t < kIouThresholds; ++t) {
      r.average_precision[k][t] =
          objects[k] > 0 ? average_precision(scored[k][t], objects[k]) : kNaN;
    }
    for (const Scored& s : scored[k][0]) {
      at50[k].true_positives += s.outcome == Outcome::kTruePositive;
      at50[k].false_positives += s.outcome == Outcome::kFalsePositive;
    }
    at50[k].objects = objects[k];
    at50[k].false_negatives = objects[k] - at50[k].true_positives;
    ap50.push_back(r.average_precision[k][0]);
    ap50_95.push_back(
        mean_of_valid({r.average_precision[k].begin(), r.average_precision[k].end()}));
  }
  r.map50 = mean_of_valid(ap50);
  r.map50_95 = mean_of_valid(ap50_95);
  r.at50 = report_from_matches(std::move(at50), static_cast<int64_t>(truth.size()), count_error);
  return r;
}

nlohmann::json BoxReport::to_json(const std::vector<std::string>& class_names) const {
  nlohmann::json j = at50.to_json(class_names);
  j["map50"] = number_or_null(map50);
  j["map50_95"] = number_or_null(map50_95);
  for (size_t k = 1; k < average_precision.size(); ++k) {
    const std::string name = k < class_names.size() ? class_names[k] : std::to_string(k);
    const auto& ap = average_precision[k];
    j["per_class"][name]["ap50"] = number_or_null(ap[0]);
    j["per_class"][name]["ap50_95"] = number_or_null(mean_of_valid({ap.begin(), ap.end()}));
  }
  return j;
}

}  // namespace tinyforge::metrics
