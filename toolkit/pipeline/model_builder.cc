// build_model(): a zoo entry, the project file's `model.layers` list turned into LayerBuilder
// calls, or a pretrained .tflite imported for fine-tuning (model.from, with replace_head). Layers
// run in sequence; `add` and `concatenate` name their inputs (earlier layers' names, or "input"),
// and any layer may take `input: NAME` instead of the previous layer. model.freeze applies to all.
#include <map>
#include <random>
#include <tuple>

#include "toolkit/data/config.h"
#include "toolkit/host/error.h"
#include "toolkit/pipeline/anomaly.h"
#include "toolkit/pipeline/featurize.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/quantize/graph_rewrite.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::pipeline {

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw host::Error(where + ": " + what);
}

template <typename T>
T get(const YAML::Node& n, const char* key, const std::string& where, T fallback) {
  const YAML::Node v = n[key];
  if (!v || v.IsNull()) return fallback;
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    fail(where + "." + key, "has the wrong type");
  }
}

std::pair<int, int> pair_of(const YAML::Node& n, const char* key, const std::string& where,
                            int fallback) {
  const YAML::Node v = n[key];
  if (!v || v.IsNull()) return {fallback, fallback};
  try {
    if (v.IsScalar()) return {v.as<int>(), v.as<int>()};
    const auto l = v.as<std::vector<int>>();
    if (l.size() == 2) return {l[0], l[1]};
  } catch (const YAML::Exception&) {
  }
  fail(where + "." + key, "expected an integer or [height, width]");
}

graph::Padding padding(const YAML::Node& n, const std::string& where) {
  const std::string p = get<std::string>(n, "padding", where, "valid");
  if (p == "same") return graph::Padding::kSame;
  if (p == "valid") return graph::Padding::kValid;
  fail(where + ".padding", "'" + p + "'; expected same or valid");
}

graph::Activation activation(const YAML::Node& n, const std::string& where) {
  const std::string a = get<std::string>(n, "activation", where, "none");
  if (a == "none" || a == "linear") return graph::Activation::kNone;
  if (a == "relu") return graph::Activation::kRelu;
  if (a == "relu6") return graph::Activation::kRelu6;
  fail(where + ".activation", "'" + a + "'; expected none, relu or relu6");
}

train::Initializer init(const YAML::Node& n, const char* key, const std::string& where) {
  try {
    return train::parse_initializer(get<std::string>(n, key, where, "default"));
  } catch (const host::Error& e) {
    fail(where + "." + key, e.what());
  }
}

void check_keys(const YAML::Node& n, const std::string& where,
                std::initializer_list<const char*> allowed) {
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "type" || key == "name" || key == "input") continue;
    bool ok = false;
    std::string list = "type, name, input";
    for (const char* a : allowed) {
      ok = ok || key == a;
      list += ", " + std::string(a);
    }
    if (!ok) fail(where + "." + key, "unknown key for this layer; expected one of " + list);
  }
}

// The keys Conv2D and DepthwiseConv2D layers share.
template <typename Options>
Options window_options(const YAML::Node& l, const std::string& where, const std::string& name) {
  Options o;
  std::tie(o.kernel_h, o.kernel_w) = pair_of(l, "kernel", where, 3);
  std::tie(o.stride_h, o.stride_w) = pair_of(l, "strides", where, 1);
  std::tie(o.dilation_h, o.dilation_w) = pair_of(l, "dilation", where, 1);
  o.padding = padding(l, where);
  o.activation = activation(l, where);
  o.use_bias = get<bool>(l, "use_bias", where, true);
  o.kernel_init = init(l, "init", where);
  o.bias_init = init(l, "bias_init", where);
  o.name = name;
  return o;
}

int build_layer(train::LayerBuilder& b, const YAML::Node& l, const std::string& where, int x,
                const std::map<std::string, int>& named, int classes) {
  const std::string type = get<std::string>(l, "type", where, "");
  const std::string name = get<std::string>(l, "name", where, "");
  auto lookup = [&](const std::string& ref, const std::string& field) {
    auto it = named.find(ref);
    if (it == named.end()) fail(where + "." + field, "no earlier layer is named '" + ref + "'");
    return it->second;
  };
  if (l["input"]) x = lookup(get<std::string>(l, "input", where, ""), "input");
  if (type == "dense") {
    check_keys(l, where, {"units", "activation", "use_bias", "init", "bias_init"});
    return b.dense(x, {.units = get<int>(l, "units", where, 0),
                       .activation = activation(l, where),
                       .use_bias = get<bool>(l, "use_bias", where, true),
                       .kernel_init = init(l, "init", where),
                       .bias_init = init(l, "bias_init", where),
                       .name = name});
  }
  if (type == "conv2d" || type == "depthwise_conv2d") {
    const bool dw = type == "depthwise_conv2d";
    if (dw) {
      check_keys(l, where,
                 {"kernel", "multiplier", "strides", "dilation", "padding", "activation",
                  "use_bias", "init", "bias_init"});
    } else {
      check_keys(l, where,
                 {"filters", "kernel", "strides", "dilation", "padding", "activation", "use_bias",
                  "init", "bias_init"});
    }
    if (dw) {
      auto o = window_options<train::DepthwiseConv2DOptions>(l, where, name);
      o.multiplier = get<int>(l, "multiplier", where, 1);
      return b.depthwise_conv2d(x, o);
    }
    auto o = window_options<train::Conv2DOptions>(l, where, name);
    // `filters: classes`: one output per class, as a centroid detector's per-cell head needs;
    // `filters: boxes`: those and a box's four values (x, y offset, width, height), a box
    // detector's head (train/box_targets.h).
    const std::string named_filters =
        l["filters"] && l["filters"].IsScalar() ? l["filters"].as<std::string>() : "";
    if (named_filters == "classes") {
      o.filters = classes;
    } else if (named_filters == "boxes") {
      o.filters = classes + 4;
    } else {
      o.filters = get<int>(l, "filters", where, 0);
    }
    return b.conv2d(x, o);
  }
  if (type == "conv1d") {
    check_keys(l, where,
               {"filters", "kernel", "strides", "dilation", "padding", "activation", "use_bias",
                "init", "bias_init"});
    return b.conv1d(x, {.filters = get<int>(l, "filters", where, 0),
                        .kernel = get<int>(l, "kernel", where, 3),
                        .stride = get<int>(l, "strides", where, 1),
                        .dilation = get<int>(l, "dilation", where, 1),
                        .padding = padding(l, where),
                        .activation = activation(l, where),
                        .use_bias = get<bool>(l, "use_bias", where, true),
                        .kernel_init = init(l, "init", where),
                        .bias_init = init(l, "bias_init", where),
                        .name = name});
  }
  if (type == "max_pool2d" || type == "average_pool2d") {
    check_keys(l, where, {"pool", "strides", "padding"});
    const auto [ph, pw] = pair_of(l, "pool", where, 2);
    const auto [sh, sw] = pair_of(l, "strides", where, 0);
    const train::Pool2DOptions o{.pool_h = ph,
                                 .pool_w = pw,
                                 .stride_h = sh,
                                 .stride_w = sw,
                                 .padding = padding(l, where),
                                 .name = name};
    return type == "max_pool2d" ? b.max_pool2d(x, o) : b.average_pool2d(x, o);
  }
  if (type == "batch_norm") {
    check_keys(l, where, {"epsilon", "momentum"});
    return b.batch_norm(x, {.epsilon = get<float>(l, "epsilon", where, 1e-3f),
                            .momentum = get<float>(l, "momentum", where, 0.99f),
                            .name = name});
  }
  if (type == "leaky_relu") {
    check_keys(l, where, {"alpha"});
    return b.leaky_relu(x, get<float>(l, "alpha", where, 0.2f), name);
  }
  if (type == "softmax") {
    check_keys(l, where, {"beta"});
    return b.softmax(x, get<float>(l, "beta", where, 1.0f), name);
  }
  if (type == "dropout") {
    check_keys(l, where, {"rate"});
    return b.dropout(x, get<float>(l, "rate", where, 0.5f), name);
  }
  if (type == "reshape") {
    check_keys(l, where, {"shape"});
    return b.reshape(x, get<graph::Shape>(l, "shape", where, {}), name);
  }
  if (type == "zero_padding") {
    check_keys(l, where, {"padding"});
    const YAML::Node p = l["padding"];
    std::vector<int> v{1};
    try {
      if (p && p.IsScalar())
        v = {p.as<int>()};
      else if (p)
        v = p.as<std::vector<int>>();
    } catch (const YAML::Exception&) {
      v.clear();
    }
    if (v.size() == 1) v = {v[0], v[0], v[0], v[0]};
    if (v.size() == 2) v = {v[0], v[0], v[1], v[1]};
    if (v.size() != 4)
      fail(where + ".padding", "expected n, [vertical, horizontal] or [top, bottom, left, right]");
    return b.zero_padding(x, v[0], v[1], v[2], v[3], name);
  }
  if (type == "add" || type == "concatenate") {
    check_keys(l, where, {"inputs", "axis", "activation"});
    const auto refs = get<std::vector<std::string>>(l, "inputs", where, {});
    if (refs.size() < 2)
      fail(where + ".inputs", "expected the names of at least two earlier layers");
    std::vector<int> xs;
    for (const auto& r : refs) xs.push_back(lookup(r, "inputs"));
    if (type == "add") {
      if (xs.size() != 2) fail(where + ".inputs", "add takes exactly two inputs");
      return b.add(xs[0], xs[1], activation(l, where), name);
    }
    return b.concatenate(xs, get<int>(l, "axis", where, -1), name);
  }
  check_keys(l, where, {});
  if (type == "global_average_pool") return b.global_average_pool(x, name);
  if (type == "relu") return b.relu(x, name);
  if (type == "relu6") return b.relu6(x, name);
  if (type == "sigmoid") return b.sigmoid(x, name);
  if (type == "tanh") return b.tanh(x, name);
  if (type == "hard_swish") return b.hard_swish(x, name);
  if (type == "flatten") return b.flatten(x, name);
  fail(where + ".type",
       "'" + type +
           "' is not a layer; expected dense, conv2d, depthwise_conv2d, conv1d, max_pool2d, "
           "average_pool2d, global_average_pool, batch_norm, relu, relu6, leaky_relu, sigmoid, "
           "tanh, hard_swish, softmax, dropout, flatten, reshape, zero_padding, add, concatenate");
}

// Training takes logits (the loss applies the softmax), so a final SOFTMAX goes; argmax and
// therefore accuracy are unchanged, and an exported int8 model ending in logits is smaller.
graph::Graph drop_trailing_softmax(const graph::Graph& g) {
  if (g.outputs().size() != 1 || g.nodes().empty()) return g;
  const graph::Node& last = g.nodes().back();
  if (last.type != graph::OpType::kSoftmax || last.outputs.at(0) != g.outputs()[0]) return g;
  quantize::Rewrite rewrite(g);
  rewrite.drop.back() = 1;
  rewrite.alias[last.outputs[0]] = last.inputs.at(0);
  return quantize::rebuild(g, rewrite);
}

// The last FULLY_CONNECTED gets fresh weights [classes, in] and bias [classes] (the usual
// transfer-learning head swap); a Reshape after it that names the old width is updated.
void replace_head(graph::Graph& g, int classes, uint64_t seed, const std::string& label) {
  int fc = -1;
  for (size_t n = 0; n < g.nodes().size(); ++n)
    if (g.nodes()[n].type == graph::OpType::kFullyConnected) fc = static_cast<int>(n);
  if (fc < 0) {
    throw host::Error(label +
                      ": model.replace_head: the model has no FULLY_CONNECTED layer to "
                      "replace");
  }
  graph::Node& node = g.nodes()[fc];
  graph::Value& w = g.value(node.inputs.at(1));
  const int64_t old_units = w.shape.at(0), in = w.shape.at(1);
  std::mt19937_64 rng(seed ^ 0x68656164ULL);  // "head": independent of other draws of the seed
  w.data = graph::Tensor({classes, in});
  train::initialize(w.data, train::Initializer::kDefault, in, classes, rng);
  w.shape = w.data.shape();
  w.kind = graph::ValueKind::kParameter;
  w.name += "/replaced";
  graph::Tensor b({classes});
  train::initialize(b, train::Initializer::kDefault, in, classes, rng);
  if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
    graph::Value& bias = g.value(node.inputs[2]);
    bias.data = std::move(b);
    bias.shape = bias.data.shape();
    bias.kind = graph::ValueKind::kParameter;
    bias.name += "/replaced";
  } else {
    node.inputs.resize(2);
    node.inputs.push_back(g.add_parameter(node.name + "/bias", std::move(b)));
  }
  for (size_t n = fc + 1; n < g.nodes().size(); ++n) {
    graph::Node& later = g.nodes()[n];
    if (later.type == graph::OpType::kReshape && !later.attrs.new_shape.empty() &&
        later.attrs.new_shape.back() == old_units)
      later.attrs.new_shape.back() = classes;
  }
  g.infer_shapes();
}

graph::Graph import_pretrained(const ModelSpec& spec, const graph::Shape& sample_shape, int classes,
                               uint64_t seed) {
  const std::string label = spec.from.string();
  graph::Graph g = drop_trailing_softmax(tflite::import_tflite(spec.from).graph);
  if (g.inputs().size() != 1 || g.outputs().size() != 1) {
    throw host::Error(label + ": model.from: expected one input and one output, the model has " +
                      std::to_string(g.inputs().size()) + " and " +
                      std::to_string(g.outputs().size()));
  }
  const graph::Shape in(g.value(g.inputs()[0]).shape.begin() + 1,
                        g.value(g.inputs()[0]).shape.end());
  if (in != sample_shape) {
    throw host::Error(label + ": model.from: the model takes samples of " +
                      graph::shape_string(in) + ", the dataset gives " +
                      graph::shape_string(sample_shape) +
                      " (set data.image width/height/channels with resize: true, or "
                      "data.audio.length)");
  }
  if (spec.replace_head >= 0) {
    replace_head(g, spec.replace_head > 0 ? spec.replace_head : classes, seed, label);
  }
  const graph::Shape out = g.value(g.outputs()[0]).shape;
  const int64_t units = out.empty() ? 0 : out.back();
  if (classes > 0 && units != classes && !(units == 1 && classes == 2)) {
    throw host::Error(label + ": model.from: the model gives " + std::to_string(units) +
                      " outputs, the dataset has " + std::to_string(classes) +
                      " classes (add model.replace_head: {classes: " + std::to_string(classes) +
                      "})");
  }
  return g;
}

}  // namespace

namespace {

data::DatasetSplit load_normalized_data(const Project& project) {
  if (project.model.from.empty()) return data::load_dataset(project.data);
  const tflite::Metadata meta = tflite::import_tflite(project.model.from).metadata;
  if (meta.input_mean.empty()) return data::load_dataset(project.data);
  data::DataConfig config = project.data;
  config.normalize = false;
  data::DatasetSplit split = data::load_dataset(config);
  split.normalization = {meta.input_mean, meta.input_std};
  try {
    for (data::Dataset* d : {&split.train, &split.validation, &split.test})
      if (!d->empty()) data::normalize(*d, split.normalization);
  } catch (const host::Error& e) {
    throw host::Error(project.model.from.string() + ": metadata input_mean/input_std: " + e.what());
  }
  return split;
}

}  // namespace

data::DatasetSplit load_project_data(const Project& project, features::FeatureSettings* bound) {
  const bool anomaly = project.training.trainer.reconstruct && !project.data.is_regression();
  if (!project.features && !anomaly) return load_normalized_data(project);
  // Motion features: the project's normalization is of the features, so the raw windows load
  // without it and it is computed on the training split's features. An anomaly detector's is
  // computed on the normal training samples it learns from.
  Project raw = project;
  raw.data.normalize = false;
  data::DatasetSplit split = load_normalized_data(raw);
  // An anomaly detector's training split keeps the normal class only; the others' clips move to
  // validation and test before any copies or frames are made.
  if (anomaly) {
    const int normal =
        normal_class_index(project.training.normal_class, split.train.class_names(),
                           project.path.empty() ? project.name : project.path.string());
    keep_normal_for_training(split, normal, project.data.validation_fraction,
                             project.data.test_fraction);
  }
  if (project.features) {
    features::FeatureSettings settings = *project.features;
    if (!settings.is_audio()) {
      const graph::Shape& shape = split.train.sample_shape();
      features::bind_motion_window(settings, settings.motion.window, settings.motion.stride,
                                   static_cast<int>(shape.back()));
    }
    const data::SampleFormat format = project.data.audio.format;
    if (settings.is_audio() && project.data.augmented_copies > 0) {
      const data::Augmentation augmentation = data::make_augmentation(project.data, {});
      if (!augmentation.audio.enabled()) {
        throw host::Error(project.path.string() +
                          ": data.augmentation.copies: the copies need time_shift, speed or noise "
                          "(noise_path, or the data's _background_noise_ folder)");
      }
      split.train =
          featurize_with_augmented_copies(split.train, settings, format, augmentation.audio,
                                          project.data.augmented_copies, project.data.seed);
    } else {
      split.train = featurize(split.train, settings, format);
    }
    for (data::Dataset* d : {&split.validation, &split.test}) *d = featurize(*d, settings, format);
    if (bound != nullptr) *bound = settings;
  }
  if (project.data.normalize) {
    split.normalization = data::compute_normalization(split.train);
    for (data::Dataset* d : {&split.train, &split.validation, &split.test})
      if (!d->empty()) data::normalize(*d, split.normalization);
  }
  return split;
}

namespace {
graph::Graph build_layers(const ModelSpec& spec, const zoo::ModelOptions& o, uint64_t seed);
}  // namespace

graph::Graph build_model(const ModelSpec& spec, const graph::Shape& sample_shape, int classes,
                         uint64_t seed) {
  zoo::ModelOptions o = spec.options;
  if (o.input_shape.empty()) o.input_shape = sample_shape;
  if (o.classes <= 0) o.classes = classes;
  o.seed = seed;
  graph::Graph built;
  if (!spec.from.empty()) {
    built = import_pretrained(spec, sample_shape, o.classes, seed);
  } else if (!spec.zoo.empty()) {
    built = zoo::build(spec.zoo, o);
  } else {
    built = build_layers(spec, o, seed);
  }
  if (!spec.freeze.empty()) train::freeze_layers(built, spec.freeze);
  return built;
}

namespace {

// The model.layers list, in order.
graph::Graph build_layers(const ModelSpec& spec, const zoo::ModelOptions& o, uint64_t seed) {
  graph::Graph g;
  train::LayerBuilder b(g, seed);
  int x = b.input(o.input_shape);
  std::map<std::string, int> named{{"input", x}};
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const std::string where = "model.layers[" + std::to_string(i) + "]";
    const YAML::Node& l = spec.layers[i];
    if (!l.IsMap() || !l["type"]) fail(where, "expected a mapping with a type");
    try {
      x = build_layer(b, l, where, x, named, o.classes);
    } catch (const host::Error& e) {
      const std::string what = e.what();
      // Builder errors name the layer, not the list entry: add where it is.
      throw host::Error(what.rfind("model.layers", 0) == 0 ? what : where + ": " + what);
    }
    named[g.value(x).name] = x;
  }
  g.set_outputs({x});
  return g;
}

}  // namespace

}  // namespace tinyforge::pipeline
