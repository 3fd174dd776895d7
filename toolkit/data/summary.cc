#include "toolkit/data/summary.h"

#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>

#include "toolkit/host/error.h"

namespace tinyforge::data {

DatasetSummary summarize(const DatasetSplit& split) {
  DatasetSummary s;
  s.class_names = split.train.class_names();
  s.sample_shape = split.train.sample_shape();
  s.normalization = split.normalization;
  const std::pair<const char*, const Dataset*> parts[] = {
      {"train", &split.train}, {"validation", &split.validation}, {"test", &split.test}};
  for (const auto& [name, dataset] : parts) {
    SplitSummary part{name, dataset->size(), dataset->class_counts()};
    part.per_class.resize(s.class_names.size(), 0);  // an empty split has no class names
    s.splits.push_back(std::move(part));
    s.skipped.insert(s.skipped.end(), dataset->skipped.begin(), dataset->skipped.end());
  }
  return s;
}

nlohmann::json to_json(const DatasetSummary& s) {
  nlohmann::json splits = nlohmann::json::object();
  for (const SplitSummary& part : s.splits) {
    nlohmann::json per_class = nlohmann::json::object();
    for (size_t k = 0; k < s.class_names.size(); ++k)
      per_class[s.class_names[k]] = part.per_class[k];
    splits[part.name] = {{"samples", part.samples}, {"per_class", per_class}};
  }
  nlohmann::json json = {{"classes", s.class_names},
                         {"sample_shape", s.sample_shape},
                         {"splits", splits},
                         {"skipped", s.skipped.size()},
                         {"skipped_samples", s.skipped}};
  json["normalization"] = s.normalization.enabled() ? to_json(s.normalization) : nlohmann::json();
  if (!s.grid_png.empty()) json["grid_png"] = s.grid_png;
  return json;
}

std::string to_text(const DatasetSummary& s) {
  size_t width = 5;
  for (const auto& name : s.class_names) width = std::max(width, name.size());
  std::string text = "sample shape " + graph::shape_string(s.sample_shape) + ", " +
                     std::to_string(s.class_names.size()) + " classes\n";
  char cell[64];
  std::snprintf(cell, sizeof(cell), "%-*s", static_cast<int>(width), "class");
  text += cell;
  for (const auto& part : s.splits) {
    std::snprintf(cell, sizeof(cell), " %10s", part.name.c_str());
    text += cell;
  }
  text += "\n";
  for (size_t k = 0; k <= s.class_names.size(); ++k) {
    const bool total = k == s.class_names.size();
    std::snprintf(cell, sizeof(cell), "%-*s", static_cast<int>(width),
                  total ? "total" : s.class_names[k].c_str());
    text += cell;
    for (const auto& part : s.splits) {
      std::snprintf(cell, sizeof(cell), " %10lld",
                    static_cast<long long>(total ? part.samples : part.per_class[k]));
      text += cell;
    }
    text += "\n";
  }
  if (!s.skipped.empty()) {
    text += std::to_string(s.skipped.size()) + " bad samples skipped:\n";
    for (const auto& reason : s.skipped) text += "  " + reason + "\n";
  }
  if (!s.grid_png.empty()) text += "sample grid: " + s.grid_png + "\n";
  return text;
}

bool write_sample_grid(const Dataset& dataset, const Normalization& norm, const std::string& path,
                       int per_class) {
  const graph::Shape& shape = dataset.sample_shape();
  if (shape.size() != 3 || (shape[2] != 1 && shape[2] != 3) || dataset.empty() || per_class <= 0) {
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
