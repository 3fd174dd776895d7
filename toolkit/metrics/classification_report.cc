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

nlohmann::json curves_json(const std::vector<RocCurve>& curves) {
  nlohmann::json list = nlohmann::json::array();
  for (const RocCurve& curve : curves) {
    list.push_back(curve.empty() ? nlohmann::json(nullptr)
                                 : nlohmann::json{{"fpr", curve.fpr}, {"tpr", curve.tpr}});
  }
  return list;
}

std::vector<RocCurve> curves_from_json(const nlohmann::json& list) {
  std::vector<RocCurve> curves;
  for (const nlohmann::json& c : list) {
    RocCurve curve;
    if (!c.is_null()) {
      curve.fpr = c.at("fpr").get<std::vector<double>>();
      curve.tpr = c.at("tpr").get<std::vector<double>>();
      if (curve.fpr.size() != curve.tpr.size())
        throw host::Error("classification report: a ROC curve's fpr and tpr differ in length");
    }
    curves.push_back(std::move(curve));
  }
  return curves;
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
  r.roc_curves = one_vs_rest_roc_curves(scores, num_classes, labels, kRocCurvePoints);
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
      {"macro_classes", scores.macro_classes},
      {"confusion_matrix", confusion_matrix},
      {"roc_curves", curves_json(roc_curves)},
  };
}

ClassificationReport ClassificationReport::from_json(const nlohmann::json& j) {
  // null (NaN in to_json) reads back as NaN.
  auto value = [](const nlohmann::json& v) {
    return v.is_number() ? v.get<double>() : std::nan("");
  };
  auto values = [&](const nlohmann::json& list) {
    std::vector<double> out;
    for (const nlohmann::json& v : list) out.push_back(value(v));
    return out;
  };
  ClassificationReport r;
  try {
    r.class_names = j.at("class_names").get<std::vector<std::string>>();
    r.samples = j.at("samples").get<int64_t>();
    r.accuracy_pct = value(j.at("accuracy_pct"));
    r.loss = value(j.at("loss"));
    r.scores.precision = values(j.at("precision"));
    r.scores.recall = values(j.at("recall"));
    r.scores.f1 = values(j.at("f1"));
    r.scores.support = j.at("support").get<std::vector<int64_t>>();
    r.roc_auc = values(j.at("roc_auc"));
    r.scores.macro_precision = value(j.at("macro_precision"));
    r.scores.macro_recall = value(j.at("macro_recall"));
    r.scores.macro_f1 = value(j.at("macro_f1"));
    r.scores.macro_classes = j.at("macro_classes").get<int>();
    r.macro_roc_auc = value(j.at("macro_roc_auc"));
    r.scores.weighted_precision = value(j.at("weighted_precision"));
    r.scores.weighted_recall = value(j.at("weighted_recall"));
    r.scores.weighted_f1 = value(j.at("weighted_f1"));
    r.confusion_matrix = j.at("confusion_matrix").get<std::vector<std::vector<int64_t>>>();
    if (j.contains("roc_curves")) r.roc_curves = curves_from_json(j.at("roc_curves"));
  } catch (const nlohmann::json::exception& e) {
    throw host::Error(std::string("classification report: ") + e.what());
  }
  const size_t n = r.class_names.size();
  for (size_t size : {r.scores.precision.size(), r.scores.recall.size(), r.scores.f1.size(),
                      r.scores.support.size(), r.roc_auc.size(), r.confusion_matrix.size(),
                      r.roc_curves.empty() ? n : r.roc_curves.size()}) {
    if (size != n)
      throw host::Error("classification report: per-class lists differ in length from class_names");
  }
  return r;
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
  if (scores.macro_classes < static_cast<int>(class_names.size())) {
    text += "  (macro: over the " + std::to_string(scores.macro_classes) + " of " +
            std::to_string(class_names.size()) + " classes present in these samples)\n";
  }
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
