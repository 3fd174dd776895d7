#include "toolkit/data/summary.h"

#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace {

void summarize_targets(const Dataset& d, SplitSummary& part) {
  const int64_t t = d.num_targets();
  if (t == 0 || d.empty()) return;
  part.target_mean.assign(t, 0.0);
  part.target_min.assign(t, std::numeric_limits<double>::infinity());
  part.target_max.assign(t, -std::numeric_limits<double>::infinity());
  for (int64_t i = 0; i < d.size(); ++i) {
    for (int64_t k = 0; k < t; ++k) {
      const double v = d.target(i)[k];
      part.target_mean[k] += v / static_cast<double>(d.size());
      part.target_min[k] = std::min(part.target_min[k], v);
      part.target_max[k] = std::max(part.target_max[k], v);
    }
  }
}

}  // namespace

DatasetSummary summarize(const DatasetSplit& split) {
  DatasetSummary s;
  s.class_names = split.train.class_names();
  s.target_names = split.train.target_names();
  s.sample_shape = split.train.sample_shape();
  s.group_kind = split.train.group_kind;
  s.normalization = split.normalization;
  s.target_normalization = split.target_normalization;
  s.warnings = split.warnings;
  const std::pair<const char*, const Dataset*> parts[] = {
      {"train", &split.train}, {"validation", &split.validation}, {"test", &split.test}};
  for (const auto& [name, dataset] : parts) {
    SplitSummary part;
    part.name = name;
    part.samples = dataset->size();
    part.groups = dataset->num_groups();
    part.per_class = dataset->class_counts();
    part.per_class.resize(s.class_names.size(), 0);  // an empty split has no class names
    summarize_targets(*dataset, part);
    s.splits.push_back(std::move(part));
    s.skipped.insert(s.skipped.end(), dataset->skipped.begin(), dataset->skipped.end());
  }
  return s;
}

nlohmann::json to_json(const DatasetSummary& s) {
  const bool regression = !s.target_names.empty();
  nlohmann::json splits = nlohmann::json::object();
  for (const SplitSummary& part : s.splits) {
    nlohmann::json j = {{"samples", part.samples}, {"groups", part.groups}};
    if (regression) {
      j["target_mean"] = part.target_mean;
      j["target_min"] = part.target_min;
      j["target_max"] = part.target_max;
    } else {
      nlohmann::json per_class = nlohmann::json::object();
      for (size_t k = 0; k < s.class_names.size(); ++k)
        per_class[s.class_names[k]] = part.per_class[k];
      j["per_class"] = per_class;
    }
    splits[part.name] = j;
  }
  nlohmann::json json = {{"task", regression ? "regression" : "classification"},
                         {"classes", s.class_names},
                         {"sample_shape", s.sample_shape},
                         {"group_kind", s.group_kind},
                         {"splits", splits},
                         {"skipped", s.skipped.size()},
                         {"skipped_samples", s.skipped},
                         {"warnings", s.warnings}};
  if (regression) {
    json["targets"] = s.target_names;
    json["target_normalization"] = to_json(s.target_normalization);
  }
  json["normalization"] = s.normalization.enabled() ? to_json(s.normalization) : nlohmann::json();
  if (!s.grid_png.empty()) json["grid_png"] = s.grid_png;
  return json;
}

namespace {

// One row of the table: a name, then one right-aligned cell per split.
std::string table_row(const std::string& name, size_t width,
                      const std::vector<std::string>& cells) {
  char cell[64];
  std::snprintf(cell, sizeof(cell), "%-*s", static_cast<int>(width), name.c_str());
  std::string text = cell;
  for (const std::string& c : cells) {
    std::snprintf(cell, sizeof(cell), " %10s", c.c_str());
    text += cell;
  }
  return text + "\n";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

std::string to_text(const DatasetSummary& s) {
  const bool regression = !s.target_names.empty();
  size_t width = std::max<size_t>(5, s.group_kind.size() + 1);
  for (const auto& name : s.class_names) width = std::max(width, name.size());
  for (const auto& name : s.target_names) width = std::max(width, name.size() + 5);
  std::string text = "sample shape " + graph::shape_string(s.sample_shape) + ", ";
  text += regression ? "regression of " + std::to_string(s.target_names.size()) + " target(s)\n"
                     : std::to_string(s.class_names.size()) + " classes\n";
  std::vector<std::string> cells;
  for (const auto& part : s.splits) cells.push_back(part.name);
  text += table_row(regression ? "" : "class", width, cells);
  auto row = [&](const std::string& name, const auto& value) {
    cells.clear();
    for (const auto& part : s.splits) cells.push_back(value(part));
    text += table_row(name, width, cells);
  };
  if (regression) {
    for (size_t k = 0; k < s.target_names.size(); ++k) {
      const std::string& t = s.target_names[k];
      auto stat = [k](const std::vector<double>& v) { return v.empty() ? "-" : number(v[k]); };
      row(t + " mean", [&](const SplitSummary& p) { return stat(p.target_mean); });
      row(t + " min", [&](const SplitSummary& p) { return stat(p.target_min); });
      row(t + " max", [&](const SplitSummary& p) { return stat(p.target_max); });
    }
  } else {
    for (size_t k = 0; k < s.class_names.size(); ++k)
      row(s.class_names[k], [k](const SplitSummary& p) { return std::to_string(p.per_class[k]); });
  }
  row("total", [](const SplitSummary& p) { return std::to_string(p.samples); });
  if (s.group_kind != "sample")
    row(s.group_kind + "s", [](const SplitSummary& p) { return std::to_string(p.groups); });
  if (!s.skipped.empty()) {
    text += std::to_string(s.skipped.size()) + " bad samples skipped:\n";
    for (const auto& reason : s.skipped) text += "  " + reason + "\n";
  }
  for (const auto& w : s.warnings) text += "warning: " + w + "\n";
  if (!s.grid_png.empty()) text += "sample grid: " + s.grid_png + "\n";
  return text;
}

bool write_sample_grid(const Dataset& dataset, const Normalization& norm, const std::string& path,
                       int per_class) {
  const graph::Shape& shape = dataset.sample_shape();
  if (shape.size() != 3 || (shape[2] != 1 && shape[2] != 3) || dataset.empty() || per_class <= 0 ||
      dataset.is_regression()) {
    return false;
  }
  const int64_t h = shape[0], w = shape[1], c = shape[2];
  const int64_t gap = 1;  // one-pixel border between tiles
  const int64_t rows = dataset.num_classes(), cols = per_class;
  const int64_t grid_w = cols * (w + gap) + gap, grid_h = rows * (h + gap) + gap;
  std::vector<uint8_t> pixels(static_cast<size_t>(grid_w * grid_h * c), 64);  // dark grey border
  std::vector<int> placed(static_cast<size_t>(rows), 0);
  std::vector<float> values;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const int label = dataset.label(i);
    if (placed[label] >= per_class) continue;
    const int64_t col = placed[label]++;
    auto sample = dataset.sample(i);
    values.assign(sample.begin(), sample.end());
    norm.invert(values.data(), static_cast<int64_t>(values.size()));
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        for (int64_t ch = 0; ch < c; ++ch) {
          const float v = std::clamp(values[(y * w + x) * c + ch], 0.0f, 1.0f);
          const int64_t gy = label * (h + gap) + gap + y, gx = col * (w + gap) + gap + x;
          pixels[(gy * grid_w + gx) * c + ch] = static_cast<uint8_t>(v * 255.0f + 0.5f);
        }
      }
    }
  }
  if (!stbi_write_png(path.c_str(), static_cast<int>(grid_w), static_cast<int>(grid_h),
                      static_cast<int>(c), pixels.data(), static_cast<int>(grid_w * c))) {
    throw host::Error(path + ": cannot write the PNG sample grid");
  }
  return true;
}

}  // namespace tinyforge::data
