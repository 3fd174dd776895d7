#include "toolkit/pipeline/anomaly.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string_view>

#include "toolkit/host/error.h"
#include "toolkit/metrics/roc_auc.h"

namespace tinyforge::pipeline {

namespace {

using nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string class_list(const std::vector<std::string>& classes) {
  std::string list;
  for (const std::string& c : classes) list += (list.empty() ? "" : ", ") + c;
  return list;
}

// Appends sample `i` of `from` to `to` (a split that may still be an empty, shapeless Dataset).
void move_sample(const data::Dataset& from, int64_t i, data::Dataset& to) {
  if (to.empty() && to.class_names().empty()) {
    data::Dataset fresh(from.sample_shape(), from.class_names());
    fresh.group_kind = from.group_kind;
    to = std::move(fresh);
  }
  const std::string& group = from.group(i);
  to.add(from.sample(i), from.label(i), from.source(i), group == from.source(i) ? "" : group);
}

}  // namespace

int normal_class_index(const std::string& normal_class, const std::vector<std::string>& classes,
                       const std::string& where) {
  const std::string wanted = normal_class.empty() ? "normal" : normal_class;
  const auto it = std::find(classes.begin(), classes.end(), wanted);
  if (it != classes.end()) return static_cast<int>(it - classes.begin());
  if (!normal_class.empty()) {
    throw host::Error(where + ": training.normal_class: '" + normal_class +
                      "' is not a class of the data (its classes: " + class_list(classes) + ")");
  }
  if (classes.size() == 1) return 0;
  throw host::Error(where + ": training.normal_class: the data has the classes " +
                    class_list(classes) +
                    " and none is named 'normal'; name the class the autoencoder learns");
}

void keep_normal_for_training(data::DatasetSplit& split, int normal, double validation_fraction,
                              double test_fraction) {
  data::Dataset& train = split.train;
  // Every group of anomalous training samples, in order of first appearance, with its samples.
  std::vector<std::string> order;
  std::map<std::string, std::vector<int64_t>> groups;
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < train.size(); ++i) {
    if (train.label(i) == normal) {
      kept.push_back(i);
      continue;
    }
    auto [it, fresh] = groups.try_emplace(train.group(i));
    if (fresh) order.push_back(it->first);
    it->second.push_back(i);
  }
  if (order.empty()) return;
  const double total = validation_fraction + test_fraction;
  int64_t moved = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (total <= 0) break;
    // Bresenham's spread: group k goes to test when the running share of test ticks over.
    const double share = test_fraction / total;
    const bool to_test = std::floor((k + 1) * share) > std::floor(k * share);
    for (int64_t i : groups[order[k]]) {
      move_sample(train, i, to_test ? split.test : split.validation);
      ++moved;
    }
  }
  const int64_t anomalous = train.size() - static_cast<int64_t>(kept.size());
  if (moved == 0) {
    split.warnings.push_back(std::to_string(anomalous) +
                             " training samples of classes other than the normal one are not "
                             "used: the autoencoder learns the normal class, and there is no "
                             "validation or test split to evaluate them on (data.splits)");
  }
  data::Dataset normal_only = train.subset(kept);
  normal_only.skipped = train.skipped;
  normal_only.warnings = train.warnings;
  train = std::move(normal_only);
}

ClipScores clip_scores(std::span<const float> errors, const data::Dataset& set, int normal) {
  if (static_cast<int64_t>(errors.size()) != set.size()) {
    throw host::Error("anomaly scores: " + std::to_string(errors.size()) + " errors for " +
                      std::to_string(set.size()) + " samples");
  }
  ClipScores clips;
  std::vector<double> sums;
  std::vector<int64_t> counts;
  std::map<std::string_view, size_t> index;
  for (int64_t i = 0; i < set.size(); ++i) {
    const auto [it, fresh] = index.try_emplace(set.source(i), sums.size());
    if (fresh) {
      sums.push_back(0);
      counts.push_back(0);
      clips.labels.push_back(set.label(i) == normal ? 0 : 1);
    }
    sums[it->second] += errors[static_cast<size_t>(i)];
    ++counts[it->second];
  }
  for (size_t c = 0; c < sums.size(); ++c)
    clips.scores.push_back(static_cast<float>(sums[c] / static_cast<double>(counts[c])));
  return clips;
}

metrics::Threshold choose_anomaly_threshold(std::span<const float> errors,
                                            std::span<const int> labels) {
  return metrics::choose_threshold(errors, labels);
}

json anomaly_figures(std::span<const float> errors, std::span<const int> labels,
                     std::optional<double> threshold) {
  json j;
  j["roc_auc"] = number_or_null(metrics::binary_roc_auc(errors, labels));
  j["pauc"] = number_or_null(metrics::partial_roc_auc(errors, labels, kPaucMaxFpr));
  j["pauc_max_fpr"] = kPaucMaxFpr;
  j["anomalies"] = std::count(labels.begin(), labels.end(), 1);
  j["normals"] = std::count(labels.begin(), labels.end(), 0);
  if (!threshold) return j;
  const metrics::BinaryCounts c = metrics::count_at(errors, labels, *threshold);
  j["threshold"] = *threshold;
  j["precision"] = number_or_null(c.precision());
  j["recall"] = number_or_null(c.recall());
  j["f1"] = number_or_null(c.f1());
  j["false_positive_rate"] = number_or_null(c.false_positive_rate());
  const int64_t n = static_cast<int64_t>(labels.size());
  j["accuracy_pct"] = n == 0
                          ? json(nullptr)
                          : json(100.0 * static_cast<double>(c.true_positives + c.true_negatives) /
                                 static_cast<double>(n));
  return j;
}

json stream_defaults(const std::optional<features::FeatureSettings>& features,
                     int64_t clip_samples) {
  if (!features || !features->is_audio() || features->inputs_per_clip(clip_samples) < 2)
    return json::object();
  return {{"anomaly_average", features->inputs_per_clip(clip_samples)},
          {"anomaly_period", features->audio.frames_stride}};
}

void export_anomaly(const json& checkpoint_metadata, tflite::Metadata& exported) {
  for (const char* key :
       {"anomaly_threshold", "normal_class", "anomaly_average", "anomaly_period"}) {
    if (checkpoint_metadata.contains(key)) exported.extra[key] = checkpoint_metadata[key];
  }
}

std::string anomaly_text(const json& f) {
  std::ostringstream s;
  auto figure = [&](const char* key) {
    const json& v = f.value(key, json());
    if (v.is_number()) {
      s << v.get<double>();
    } else {
      s << "n/a";
    }
  };
  s << "ROC-AUC ";
  figure("roc_auc");
  s << ", pAUC (FPR <= 0.1) ";
  figure("pauc");
  if (f.contains("threshold")) {
    s << "; at threshold ";
    figure("threshold");
    s << ": precision ";
    figure("precision");
    s << ", recall ";
    figure("recall");
    s << ", accuracy ";
    figure(f.contains("test_accuracy_pct") ? "test_accuracy_pct" : "accuracy_pct");
    s << " %";
  }
  return s.str();
}

}  // namespace tinyforge::pipeline
