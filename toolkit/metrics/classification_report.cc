#include "toolkit/metrics/classification_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "toolkit/host/error.h"
#include "toolkit/metrics/roc_auc.h"

namespace tinyforge::metrics {
namespace {

// JSON has no NaN: an undefined value is null.
nlohmann::json number(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

nlohmann::json numbers(const std::vector<double>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (double v : values) list.push_back(number(v));
  return list;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

ClassificationReport make_classification_report(std::span<const float> scores, int num_classes,
                                                std::span<const int> labels, double mean_loss,
                                                std::vector<std::string> class_names) {
  if (!class_names.empty() && class_names.size() != static_cast<size_t>(num_classes)) {
    throw host::Error("classification report: " + std::to_string(class_names.size()) +
                      " class names for " + std::to_string(num_classes) + " classes");
  }
  ClassificationReport r;
  const std::vector<int> predicted = argmax_rows(scores, num_classes);
  ConfusionMatrix matrix(num_classes);
  matrix.add(labels, predicted);
  r.samples = matrix.total();
  r.accuracy_pct = 100.0 * accuracy(matrix);
  r.loss = mean_loss;
  r.scores = per_class_scores(matrix);
  r.roc_auc = one_vs_rest_roc_auc(scores, num_classes, labels);
  r.macro_roc_auc = mean_defined(r.roc_auc);
  r.confusion_matrix = matrix.rows();
  if (class_names.empty()) {
    for (int c = 0; c < num_classes; ++c) class_names.push_back(std::to_string(c));
  }
  r.class_names = std::move(class_names);
  return r;
}

nlohmann::json ClassificationReport::to_json() const {
  return {
      {"samples", samples},
      {"class_names", class_names},
      {"accuracy_pct", number(accuracy_pct)},
      {"loss", number(loss)},
      {"precision", numbers(scores.precision)},
      {"recall", numbers(scores.recall)},
      {"f1", numbers(scores.f1)},
      {"roc_auc", numbers(roc_auc)},
      {"support", scores.support},
      {"macro_precision", number(scores.macro_precision)},
      {"macro_recall", number(scores.macro_recall)},
      {"macro_f1", number(scores.macro_f1)},
      {"macro_roc_auc", number(macro_roc_auc)},
      {"weighted_precision", number(scores.weighted_precision)},
      {"weighted_recall", number(scores.weighted_recall)},
      {"weighted_f1", number(scores.weighted_f1)},
      {"confusion_matrix", confusion_matrix},
  };
}

std::string ClassificationReport::to_text() const {
  size_t name_width = 12;
  for (const std::string& name : class_names)
    name_width = std::max(name_width, name.size() + 5);  // "index name "
  auto row = [&](const std::string& name, double p, double r, double f, double auc,
                 const std::string& support) {
    return pad_right(name, name_width) + pad_left(fixed(p, 4), 10) + pad_left(fixed(r, 4), 10) +
           pad_left(fixed(f, 4), 10) + pad_left(fixed(auc, 4), 10) + pad_left(support, 10) + "\n";
  };
  std::string text = pad_right("class", name_width) + pad_left("precision", 10) +
                     pad_left("recall", 10) + pad_left("f1", 10) + pad_left("roc_auc", 10) +
                     pad_left("support", 10) + "\n";
  for (size_t c = 0; c < class_names.size(); ++c) {
    text += row(class_names[c], scores.precision[c], scores.recall[c], scores.f1[c], roc_auc[c],
                std::to_string(scores.support[c]));
  }
  text += "\n";
  const std::string n = std::to_string(samples);
  text +=
      row("macro", scores.macro_precision, scores.macro_recall, scores.macro_f1, macro_roc_auc, n);
  text += row("weighted", scores.weighted_precision, scores.weighted_recall, scores.weighted_f1,
              std::nan(""), n);
  text += "\naccuracy " + fixed(accuracy_pct, 2) + "%";
  if (!std::isnan(loss)) text += "   loss " + fixed(loss, 4);
  text += "\n\nconfusion matrix (rows: true class, columns: predicted)\n";
  size_t cell = 6;
  for (const auto& r : confusion_matrix) {
    for (int64_t v : r) cell = std::max(cell, std::to_string(v).size() + 1);
  }
  text += pad_right("", name_width);
  for (size_t c = 0; c < class_names.size(); ++c) text += pad_left(std::to_string(c), cell);
  text += "\n";
  for (size_t t = 0; t < confusion_matrix.size(); ++t) {
    text += pad_right(std::to_string(t) + " " + class_names[t], name_width);
    for (int64_t v : confusion_matrix[t]) text += pad_left(std::to_string(v), cell);
    text += "\n";
  }
  return text;
}

}  // namespace tinyforge::metrics
