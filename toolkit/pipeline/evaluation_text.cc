#include "toolkit/pipeline/evaluation_text.h"

#include <cstdio>

#include "toolkit/inspect/arena_figures.h"
#include "toolkit/metrics/classification_report.h"
#include "toolkit/pipeline/detection.h"

namespace tinyforge::pipeline {
namespace {

std::string number_text(const nlohmann::json& v) {
  return v.is_number() ? v.dump() : std::string("-");
}

}  // namespace

std::string evaluation_text(const nlohmann::json& r) {
  std::string text = r.value("model_file", std::string()) + " on " +
                     std::to_string(r.value("evaluated_samples", 0)) + " of the " +
                     std::to_string(r.value("split_samples", 0)) + " samples of the " +
                     r.value("evaluated_split", std::string("test")) + " split";
  if (r.value("sample", std::string("all")) != "all")
    text += " (" + r["sample"].get<std::string>() + ")";
  if (r.contains("board")) text += ", on " + r["board"].get<std::string>() + " (QEMU)";
  text += "\n\n";
  if (r.contains("count_mae")) {  // a detector
    const bool boxes = r.contains("map50");
    text += detection_text(r) +
            "\n\n  class          objects     tp     fp     fn  precision  recall     f1" +
            (boxes ? "   AP50  AP50:95\n" : "\n");
    auto ap = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : 0.0; };
    for (const auto& [name, c] : r["per_class"].items()) {
      char row[200];
      std::snprintf(row, sizeof row, "  %-12s %9lld %6lld %6lld %6lld %10.3f %7.3f %6.3f",
                    name.c_str(), c["objects"].get<long long>(), c["tp"].get<long long>(),
                    c["fp"].get<long long>(), c["fn"].get<long long>(),
                    c["precision"].get<double>(), c["recall"].get<double>(), c["f1"].get<double>());
      text += row;
      if (boxes) {
        std::snprintf(row, sizeof row, " %6.3f %8.3f", ap(c["ap50"]), ap(c["ap50_95"]));
        text += row;
      }
      text += "\n";
    }
  } else if (r.contains("confusion_matrix")) {
    text += metrics::ClassificationReport::from_json(r).to_text();
  } else {  // an autoencoder: the reconstruction loss, and ROC-AUC where labels tell anomalies
    text += "reconstruction loss " + number_text(r["test_loss"]);
    if (r.contains("roc_auc")) {
      text += ", anomaly ROC-AUC " + number_text(r["roc_auc"]) + ", pAUC " + number_text(r["pauc"]);
      if (r.contains("threshold"))
        text += "; at threshold " + number_text(r["threshold"]) + ": precision " +
                number_text(r["precision"]) + ", recall " + number_text(r["recall"]) +
                ", accuracy " + number_text(r["test_accuracy_pct"]) + " %";
    }
    text += "\n";
  }
  if (r.contains("device_arena_bytes")) {
    text += "\narena " + r["device_arena_bytes"].dump() + " bytes on a " +
            host::device_arena_label(r.value("board", std::string()),
                                     r.value("device_kernels", std::string())) +
            " (the firmware used " + number_text(r["device_arena_used_bytes"]) + "), " +
            number_text(r["instructions"]) + " instructions per inference (median)\n";
  } else if (r.contains("host_arena_bytes")) {
    text += "\narena " + r["host_arena_bytes"].dump() + " bytes in the " +
            host::host_arena_label() + "\n";
  }
  return text;
}

}  // namespace tinyforge::pipeline
