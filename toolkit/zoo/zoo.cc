// The zoo by name, for project files and the command line.
#include "toolkit/zoo/zoo.h"

#include "toolkit/host/error.h"

namespace tinyforge::zoo {

namespace {

struct Entry {
  const char* name;
  graph::Graph (*build)(const ModelOptions&);
};

constexpr Entry kEntries[] = {{"mlp", mlp},         {"cnn", cnn},
                              {"ds_cnn", ds_cnn},   {"mobilenet_v1", mobilenet_v1},
                              {"resnet8", resnet8}, {"autoencoder", autoencoder},
                              {"fomo", fomo},       {"box_detector", box_detector}};

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Entry& e : kEntries) n.emplace_back(e.name);
    return n;
  }();
  return names;
}

graph::Graph build(std::string_view name, const ModelOptions& options) {
  for (const Entry& e : kEntries)
    if (name == e.name) return e.build(options);
  std::string known;
  for (const std::string& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  throw host::Error("model '" + std::string(name) + "' is not in the zoo, expected one of " +
                    known);
}

}  // namespace tinyforge::zoo
