#include "toolkit/metrics/centroid_metrics.h"

#include <algorithm>
#include <cstdlib>

#include "toolkit/host/error.h"

namespace tinyforge::metrics {

namespace {

bool inside(const data::Box& box, const DetectedObject& o) {
  return o.x >= box.xmin && o.x <= box.xmax && o.y >= box.ymin && o.y <= box.ymax;
}

// A share whose denominator may be 0: 1 when nothing else was there to count, else 0.
double share(int64_t part, int64_t whole, int64_t other) {
  if (whole > 0) return static_cast<double>(part) / static_cast<double>(whole);
  return other == 0 ? 1.0 : 0.0;
}

void match_image(const std::vector<DetectedObject>& predicted, const std::vector<data::Box>& boxes,
                 std::vector<CentroidClassFigures>& figures) {
  std::vector<size_t> order(predicted.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return predicted[a].score > predicted[b].score; });
  std::vector<char> matched(boxes.size(), 0);
  for (size_t i : order) {
    const DetectedObject& o = predicted[i];
    bool found = false, on_difficult = false;
    for (size_t k = 0; k < boxes.size() && !found; ++k) {
      if (matched[k] || boxes[k].label != o.label || !inside(boxes[k], o)) continue;
      matched[k] = 1;
      found = true;
      on_difficult = boxes[k].difficult;
    }
    if (found && !on_difficult) ++figures[o.label].true_positives;
    if (!found) ++figures[o.label].false_positives;
  }
  for (size_t k = 0; k < boxes.size(); ++k) {
    if (boxes[k].difficult) continue;
    ++figures[boxes[k].label].objects;
    if (!matched[k]) ++figures[boxes[k].label].false_negatives;
  }
}

}  // namespace

int64_t image_count_error(const std::vector<int>& predicted_labels,
                          const std::vector<data::Box>& boxes, int num_classes) {
  std::vector<int64_t> counts(static_cast<size_t>(std::max(num_classes, 1)), 0);
  for (int label : predicted_labels) {
    if (label <= 0 || label >= num_classes)
      throw host::Error("detection metrics: predicted label " + std::to_string(label) +
                        " outside 1.." + std::to_string(num_classes - 1));
    ++counts[label];
  }
  for (const data::Box& b : boxes) --counts[b.label];
  int64_t error = 0;
  for (size_t k = 1; k < counts.size(); ++k) error += std::llabs(counts[k]);
  return error;
}

CentroidReport report_from_matches(std::vector<CentroidClassFigures> classes, int64_t images,
                                   int64_t count_error) {
  CentroidReport r;
  r.classes = std::move(classes);
  r.images = images;
  r.count_mae = r.images > 0 ? static_cast<double>(count_error) / r.images : 0.0;
  int present = 0;
  for (size_t k = 1; k < r.classes.size(); ++k) {
    CentroidClassFigures& c = r.classes[k];
    const int64_t predicted = c.true_positives + c.false_positives;
    c.precision = share(c.true_positives, predicted, c.false_negatives);
    c.recall = share(c.true_positives, c.objects, c.false_positives);
    c.f1 = c.precision + c.recall > 0 ? 2 * c.precision * c.recall / (c.precision + c.recall) : 0;
    if (predicted == 0 && c.objects == 0) continue;
    ++present;
    r.precision += c.precision;
    r.recall += c.recall;
    r.f1 += c.f1;
  }
  if (present > 0) {
    r.precision /= present;
    r.recall /= present;
    r.f1 /= present;
  }
  return r;
}

CentroidReport centroid_report(const std::vector<std::vector<DetectedObject>>& predictions,
                               const std::vector<std::vector<data::Box>>& truth, int num_classes) {
  if (predictions.size() != truth.size())
    throw host::Error("centroid metrics: predictions and ground truth differ in image count");
  std::vector<CentroidClassFigures> classes(static_cast<size_t>(std::max(num_classes, 1)));
  int64_t count_error = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    std::vector<int> labels;
    for (const DetectedObject& o : predictions[i]) labels.push_back(o.label);
    count_error += image_count_error(labels, truth[i], num_classes);
    match_image(predictions[i], truth[i], classes);
  }
  return report_from_matches(std::move(classes), static_cast<int64_t>(truth.size()), count_error);
}

nlohmann::json CentroidReport::to_json(const std::vector<std::string>& class_names) const {
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t k = 1; k < classes.size(); ++k) {
    const CentroidClassFigures& c = classes[k];
    const std::string name = k < class_names.size() ? class_names[k] : std::to_string(k);
    per_class[name] = {{"tp", c.true_positives},
                       {"fp", c.false_positives},
                       {"fn", c.false_negatives},
                       {"objects", c.objects},
                       {"precision", c.precision},
                       {"recall", c.recall},
                       {"f1", c.f1}};
  }
  return {{"precision", precision}, {"recall", recall}, {"f1", f1},
          {"count_mae", count_mae}, {"images", images}, {"per_class", per_class}};
}

}  // namespace tinyforge::metrics
