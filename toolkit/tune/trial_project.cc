#include "toolkit/tune/trial_project.h"

#include <cmath>

namespace tinyforge::tune {
namespace {

void make_absolute(YAML::Node node, const char* key, const std::filesystem::path& base_dir) {
  if (!node || !node.IsMap() || !node[key] || !node[key].IsScalar()) return;
  const std::string value = node[key].as<std::string>();
  if (value.empty() || value == "none" || std::filesystem::path(value).is_absolute()) return;
  node[key] = std::filesystem::absolute(base_dir / value).lexically_normal().string();
}

YAML::Node number_node(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e9) return YAML::Node(static_cast<int64_t>(v));
  return YAML::Node(v);
}

}  // namespace

std::string trial_project_text(const YAML::Node& project, const std::filesystem::path& base_dir,
                               const Candidate& candidate, int classes,
                               const std::filesystem::path& output_dir) {
  YAML::Node p = YAML::Clone(project);
  p.remove("tune");
  if (YAML::Node data = p["data"]) {
    for (const char* key : {"path", "test_path", "images", "labels", "test_images", "test_labels"})
      make_absolute(data, key, base_dir);
    make_absolute(data["augmentation"], "noise_path", base_dir);
  }
  if (candidate.resolution > 0) {
    YAML::Node data = p["data"];
    YAML::Node image = data["image"];
    if (!image || !image.IsMap()) image = YAML::Node(YAML::NodeType::Map);
    image["width"] = candidate.resolution;
    image["height"] = candidate.resolution;
    image["resize"] = true;
    data["image"] = image;
    p["data"] = data;
  }
  YAML::Node model(YAML::NodeType::Map);
  model["layers"] = candidate.layers(classes);
  p["model"] = model;
  YAML::Node training = p["training"];
  if (!training) training = YAML::Node(YAML::NodeType::Map);
  training.remove("qat");
  YAML::Node optimizer = training["optimizer"];
  if (!optimizer) optimizer = YAML::Node(YAML::NodeType::Map);
  optimizer["learning_rate"] = candidate.learning_rate;
  training["optimizer"] = optimizer;
  p["training"] = training;
  if (!candidate.features.empty()) {
    YAML::Node features = p["features"];
    for (const auto& [key, value] : candidate.features) features[key] = number_node(value);
    p["features"] = features;
  }
  YAML::Node output(YAML::NodeType::Map);
  output["dir"] = output_dir.string();
  p["output"] = output;
  YAML::Emitter e;
  e << p;
  return std::string("# Written by tinyforge tune: trial ") + candidate.key() + "\n" + e.c_str() +
         "\n";
}

}  // namespace tinyforge::tune
