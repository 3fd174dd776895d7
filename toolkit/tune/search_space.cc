#include "toolkit/tune/search_space.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "toolkit/host/error.h"
#include "toolkit/zoo/zoo.h"

namespace tinyforge::tune {
namespace {

// "0.5" not "0.500000"; integers without a point.
std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

int scaled(int base, double width) {
  return std::max(1, static_cast<int>(std::lround(base * width)));
}

YAML::Node layer(std::initializer_list<std::pair<const char*, YAML::Node>> fields) {
  YAML::Node n(YAML::NodeType::Map);
  for (const auto& [key, value] : fields) n[key] = value;
  return n;
}

void add_bn_relu(YAML::Node& layers) {
  layers.push_back(layer({{"type", YAML::Node("batch_norm")}}));
  layers.push_back(layer({{"type", YAML::Node("relu")}}));
}

template <typename T>
const T& pick(const std::vector<T>& choices, data::Rng& rng) {
  return choices[data::uniform_below(rng, choices.size())];
}

// The choice next to `current` (either side), or any choice when `current` is not one of them.
template <typename T>
T neighbour(const std::vector<T>& choices, const T& current, data::Rng& rng) {
  const auto it = std::find(choices.begin(), choices.end(), current);
  if (it == choices.end() || choices.size() < 2) return pick(choices, rng);
  const size_t i = static_cast<size_t>(it - choices.begin());
  if (i == 0) return choices[1];
  if (i + 1 == choices.size()) return choices[i - 1];
  return choices[data::uniform_below(rng, 2) == 0 ? i - 1 : i + 1];
}

class Reader {
 public:
  explicit Reader(std::string label) : label_(std::move(label)) {}
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw host::Error(label_ + ": tune." + key + ": " + what);
  }
  template <typename T>
  void list(const YAML::Node& node, const std::string& key, std::vector<T>& out,
            const char* expected) const {
    if (!node || node.IsNull()) return;
    std::vector<T> values;
    try {
      values = node.IsScalar() ? std::vector<T>{node.as<T>()} : node.as<std::vector<T>>();
    } catch (const YAML::Exception&) {
      fail(key, std::string("expected ") + expected);
    }
    if (values.empty()) fail(key, std::string("expected ") + expected + ", got an empty list");
    if constexpr (std::is_arithmetic_v<T>) {
      for (T v : values)
        if (!(v > 0)) fail(key, std::string("expected ") + expected + ", got " + number_text(v));
    }
    out = values;
  }

 private:
  std::string label_;
};

}  // namespace

std::string Candidate::key() const {
  std::string k = family + "-w" + number_text(width) + "-d" + std::to_string(depth) + "-k" +
                  std::to_string(kernel);
  if (family == "cnn" && head != "dense") k += "-" + head;
  if (resolution > 0) k += "-r" + std::to_string(resolution);
  k += "-lr" + number_text(learning_rate);
  for (const auto& [name, value] : features) k += "-" + name + number_text(value);
  return k;
}

nlohmann::json Candidate::to_json() const {
  nlohmann::json j = {{"family", family},
                      {"width", width},
                      {"depth", depth},
                      {"kernel", kernel},
                      {"learning_rate", learning_rate}};
  if (family == "cnn") j["head"] = head;
  if (resolution > 0) j["resolution"] = resolution;
  if (!features.empty()) j["features"] = features;
  return j;
}

YAML::Node Candidate::layers(int classes) const {
  YAML::Node layers(YAML::NodeType::Sequence);
  const YAML::Node relu("relu");
  if (family == "cnn") {
    for (int i = 0; i < depth; ++i) {
      layers.push_back(layer({{"type", YAML::Node("conv2d")},
                              {"filters", YAML::Node(scaled(16 << i, width))},
                              {"kernel", YAML::Node(kernel)},
                              {"padding", YAML::Node("same")}}));
      add_bn_relu(layers);
      layers.push_back(layer({{"type", YAML::Node("max_pool2d")},
                              {"pool", YAML::Node(2)},
                              {"padding", YAML::Node("same")}}));
    }
    if (head == "pool") {
      layers.push_back(layer({{"type", YAML::Node("global_average_pool")}}));
    } else {
      layers.push_back(layer({{"type", YAML::Node("flatten")}}));
      layers.push_back(layer({{"type", YAML::Node("dense")},
                              {"units", YAML::Node(scaled(64, width))},
                              {"activation", relu}}));
    }
  } else if (family == "ds_cnn") {
    const int filters = scaled(32, width);
    layers.push_back(layer({{"type", YAML::Node("conv2d")},
                            {"filters", YAML::Node(filters)},
                            {"kernel", YAML::Node(kernel)},
                            {"strides", YAML::Node(2)},
                            {"padding", YAML::Node("same")}}));
    add_bn_relu(layers);
    for (int i = 0; i < depth; ++i) {
      layers.push_back(layer({{"type", YAML::Node("depthwise_conv2d")},
                              {"kernel", YAML::Node(kernel)},
                              {"padding", YAML::Node("same")}}));
      add_bn_relu(layers);
      layers.push_back(layer({{"type", YAML::Node("conv2d")},
                              {"filters", YAML::Node(filters)},
                              {"kernel", YAML::Node(1)}}));
      add_bn_relu(layers);
    }
    layers.push_back(layer({{"type", YAML::Node("global_average_pool")}}));
  } else if (family == "mlp") {
    layers.push_back(layer({{"type", YAML::Node("flatten")}}));
    for (int i = 0; i < depth; ++i) {
      layers.push_back(layer({{"type", YAML::Node("dense")},
                              {"units", YAML::Node(scaled(128, width))},
                              {"activation", relu}}));
    }
  } else {
    throw host::Error("tune: unknown family '" + family + "' (expected cnn, ds_cnn or mlp)");
  }
  layers.push_back(layer({{"type", YAML::Node("dense")}, {"units", YAML::Node(classes)}}));
  return layers;
}

Candidate SearchSpace::sample(data::Rng& rng) const {
  Candidate c;
  c.family = pick(families, rng);
  c.width = pick(widths, rng);
  c.depth = pick(depths, rng);
  c.kernel = pick(kernels, rng);
  c.head = pick(heads, rng);
  if (!resolutions.empty()) c.resolution = pick(resolutions, rng);
  c.learning_rate = pick(learning_rates, rng);
  for (const auto& [name, choices] : features) c.features[name] = pick(choices, rng);
  return c;
}

Candidate SearchSpace::mutate(const Candidate& parent, data::Rng& rng) const {
  Candidate c = parent;
  // Only dimensions with a choice to make can move.
  std::vector<std::string> movable;
  if (families.size() > 1) movable.push_back("family");
  if (widths.size() > 1) movable.push_back("width");
  if (depths.size() > 1) movable.push_back("depth");
  if (kernels.size() > 1) movable.push_back("kernel");
  if (heads.size() > 1 && parent.family == "cnn") movable.push_back("head");
  if (resolutions.size() > 1) movable.push_back("resolution");
  if (learning_rates.size() > 1) movable.push_back("learning_rate");
  for (const auto& [name, choices] : features)
    if (choices.size() > 1) movable.push_back("features." + name);
  if (movable.empty()) return c;
  const std::string& d = pick(movable, rng);
  if (d == "family") {
    std::vector<std::string> others;
    for (const auto& f : families)
      if (f != parent.family) others.push_back(f);
    c.family = pick(others, rng);
  } else if (d == "width") {
    c.width = neighbour(widths, c.width, rng);
  } else if (d == "depth") {
    c.depth = neighbour(depths, c.depth, rng);
  } else if (d == "kernel") {
    c.kernel = neighbour(kernels, c.kernel, rng);
  } else if (d == "resolution") {
    c.resolution = neighbour(resolutions, c.resolution, rng);
  } else if (d == "head") {
    c.head = neighbour(heads, c.head, rng);
  } else if (d == "learning_rate") {
    c.learning_rate = neighbour(learning_rates, c.learning_rate, rng);
  } else {
    const std::string name = d.substr(std::string("features.").size());
    c.features[name] = neighbour(features.at(name), c.features[name], rng);
  }
  return c;
}

size_t SearchSpace::size() const {
  const bool has_cnn = std::find(families.begin(), families.end(), "cnn") != families.end();
  // The head is a choice of cnn alone: the other families count once per head.
  const size_t per_setting = families.size() - (has_cnn ? 1 : 0) + (has_cnn ? heads.size() : 0);
  size_t n = per_setting * widths.size() * depths.size() * kernels.size() * learning_rates.size();
  n *= std::max<size_t>(1, resolutions.size());
  for (const auto& [name, choices] : features) n *= choices.size();
  return n;
}

SearchSpace default_search_space(const std::string& data_format) {
  SearchSpace s;
  s.learning_rates = {0.0005, 0.001, 0.002};
  s.heads = {"dense"};
  if (data_format == "csv" || data_format == "csv_windows") {
    s.families = {"mlp"};
    s.widths = {0.25, 0.5, 1.0};
    s.depths = {1, 2, 3};
    s.kernels = {3};
  } else if (data_format == "wav_folder") {
    s.families = {"ds_cnn", "cnn"};
    s.widths = {0.5, 1.0, 2.0};
    s.depths = {1, 2, 3, 4};
    s.kernels = {3, 5};
    s.heads = {"dense", "pool"};
  } else {
    s.families = {"cnn", "ds_cnn"};
    s.heads = {"dense", "pool"};
    s.widths = {0.5, 1.0, 1.5, 2.0};
    s.depths = {1, 2, 3};
    s.kernels = {3, 5};
  }
  return s;
}

SearchSpace parse_search_space(const YAML::Node& tune, const std::string& data_format,
                               const std::string& label) {
  SearchSpace s = default_search_space(data_format);
  if (!tune || tune.IsNull()) return s;
  const Reader r(label);
  if (!tune.IsMap()) r.fail("", "expected a mapping of keys");
  for (const auto& kv : tune) {
    const std::string key = kv.first.as<std::string>();
    if (key != "families" && key != "width" && key != "depth" && key != "kernel" && key != "head" &&
        key != "resolution" && key != "learning_rate" && key != "features") {
      r.fail(key,
             "unknown key; expected one of families, width, depth, kernel, head, resolution, "
             "learning_rate, features");
    }
  }
  r.list(tune["families"], "families", s.families, "a list of cnn, ds_cnn, mlp");
  for (const auto& f : s.families) {
    if (f != "cnn" && f != "ds_cnn" && f != "mlp")
      r.fail("families", "expected cnn, ds_cnn or mlp, got '" + f + "'");
  }
  r.list(tune["width"], "width", s.widths, "a list of positive numbers");
  r.list(tune["depth"], "depth", s.depths, "a list of positive integers");
  r.list(tune["kernel"], "kernel", s.kernels, "a list of positive integers");
  r.list(tune["head"], "head", s.heads, "a list of dense, pool");
  for (const auto& h : s.heads) {
    if (h != "dense" && h != "pool") r.fail("head", "expected dense or pool, got '" + h + "'");
  }
  r.list(tune["resolution"], "resolution", s.resolutions, "a list of positive integers");
  if (!s.resolutions.empty() &&
      (data_format == "wav_folder" || data_format == "csv" || data_format == "csv_windows")) {
    r.fail("resolution",
           "only image data has a resolution (audio and sensor projects search features: "
           "instead)");
  }
  r.list(tune["learning_rate"], "learning_rate", s.learning_rates, "a list of positive numbers");
  if (const YAML::Node f = tune["features"]) {
    if (!f.IsMap()) r.fail("features", "expected a mapping of feature keys to lists of values");
    for (const auto& kv : f) {
      const std::string name = kv.first.as<std::string>();
      r.list(kv.second, "features." + name, s.features[name], "a list of positive numbers");
    }
  }
  return s;
}

}  // namespace tinyforge::tune
