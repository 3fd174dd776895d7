#include "toolkit/train/checkpoint.h"

#include <bit>
#include <cstring>
#include <sstream>

#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::train {

static_assert(std::endian::native == std::endian::little, "the .tfm blob is little-endian");

namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'T', 'F', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr int kVersion = 1;
constexpr size_t kAlign = 16;

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// ---- names of enums, both ways ----

const char* kind_name(graph::ValueKind kind) {
  switch (kind) {
    case graph::ValueKind::kActivation:
      return "activation";
    case graph::ValueKind::kInput:
      return "input";
    case graph::ValueKind::kParameter:
      return "parameter";
    case graph::ValueKind::kState:
      return "state";
    case graph::ValueKind::kConstant:
      return "constant";
  }
  return "?";
}

const char* padding_name(graph::Padding p) { return p == graph::Padding::kSame ? "same" : "valid"; }

const char* activation_name(graph::Activation a) {
  switch (a) {
    case graph::Activation::kNone:
      return "none";
    case graph::Activation::kRelu:
      return "relu";
    case graph::Activation::kRelu6:
      return "relu6";
  }
  return "?";
}

// Reading: every failure names the file and the JSON path of the field.
class Reader {
 public:
  explicit Reader(std::string label) : label_(std::move(label)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw host::Error(label_ + ": " + field + ": " + what);
  }

  const json& at(const json& j, const std::string& key, const std::string& path) const {
    if (!j.is_object()) fail(path, "expected an object");
    auto it = j.find(key);
    if (it == j.end()) fail(path + "." + key, "missing");
    return *it;
  }

  template <typename T>
  T get(const json& j, const std::string& key, const std::string& path) const {
    const json& v = at(j, key, path);
    try {
      return v.get<T>();
    } catch (const json::exception&) {
      fail(path + "." + key, "has the wrong type (" + std::string(v.type_name()) + ")");
    }
  }

  template <typename T>
  T get_or(const json& j, const std::string& key, const std::string& path, T fallback) const {
    if (!j.is_object() || !j.contains(key)) return fallback;
    return get<T>(j, key, path);
  }

  graph::ValueKind kind(const std::string& name, const std::string& field) const {
    for (auto k :
         {graph::ValueKind::kActivation, graph::ValueKind::kInput, graph::ValueKind::kParameter,
          graph::ValueKind::kState, graph::ValueKind::kConstant})
      if (name == kind_name(k)) return k;
    fail(field,
         "'" + name + "' is not a value kind (activation, input, parameter, state, constant)");
  }

  graph::OpType op(const std::string& name, const std::string& field) const {
    for (int i = 0; i <= static_cast<int>(graph::OpType::kFakeQuant); ++i) {
      const auto t = static_cast<graph::OpType>(i);
      if (name == graph::op_type_name(t)) return t;
    }
    fail(field, "'" + name + "' is not an op this version knows");
  }

  graph::Padding padding(const std::string& name, const std::string& field) const {
    if (name == "same") return graph::Padding::kSame;
    if (name == "valid") return graph::Padding::kValid;
    fail(field, "'" + name + "' is not a padding (same, valid)");
  }

  graph::Activation activation(const std::string& name, const std::string& field) const {
    for (auto a : {graph::Activation::kNone, graph::Activation::kRelu, graph::Activation::kRelu6})
      if (name == activation_name(a)) return a;
    fail(field, "'" + name + "' is not a fused activation (none, relu, relu6)");
  }

  const std::string& label() const { return label_; }

 private:
  std::string label_;
};

// ---- tensors: JSON {shape, offset, count} + the blob ----

class BlobWriter {
 public:
  json add(const graph::Tensor& t) {
    blob_.resize(align_up(blob_.size()));
    const size_t offset = blob_.size();
    blob_.resize(offset + t.size() * sizeof(float));
    if (t.size() > 0) std::memcpy(blob_.data() + offset, t.data(), t.size() * sizeof(float));
    return json{{"shape", t.shape()}, {"offset", offset}, {"count", t.size()}};
  }
  const std::vector<uint8_t>& bytes() const { return blob_; }

 private:
  std::vector<uint8_t> blob_;
};

graph::Tensor read_tensor(const Reader& r, const json& j, const std::string& path,
                          const uint8_t* blob, size_t blob_size) {
  const auto shape = r.get<graph::Shape>(j, "shape", path);
  const auto offset = r.get<uint64_t>(j, "offset", path);
  const auto count = r.get<uint64_t>(j, "count", path);
  if (shape.empty() && count == 0) return graph::Tensor();  // an unset tensor
  int64_t elements;
  try {
    elements = graph::num_elements(shape);
  } catch (const host::Error& e) {
    r.fail(path + ".shape", e.what());
  }
  if (static_cast<uint64_t>(elements) != count) {
    r.fail(path + ".count", std::to_string(count) + " values for shape " +
                                graph::shape_string(shape) + ", expected " +
                                std::to_string(elements));
  }
  if (offset % alignof(float) != 0 || offset > blob_size ||
      count > (blob_size - offset) / sizeof(float)) {
    r.fail(path, "values at offset " + std::to_string(offset) + " (" + std::to_string(count) +
                     " floats) lie outside the " + std::to_string(blob_size) + "-byte tensor data");
  }
  std::vector<float> values(count);
  if (count > 0) std::memcpy(values.data(), blob + offset, count * sizeof(float));
  return graph::Tensor(shape, std::move(values));
}

// ---- the graph ----

json attributes_json(const graph::Attributes& a) {
  return json{{"stride_h", a.stride_h},
              {"stride_w", a.stride_w},
              {"dilation_h", a.dilation_h},
              {"dilation_w", a.dilation_w},
              {"filter_h", a.filter_h},
              {"filter_w", a.filter_w},
              {"padding", padding_name(a.padding)},
              {"activation", activation_name(a.activation)},
              {"alpha", a.alpha},
              {"rate", a.rate},
              {"epsilon", a.epsilon},
              {"momentum", a.momentum},
              {"beta", a.beta},
              {"new_shape", a.new_shape},
              {"paddings", a.paddings},
              {"axes", a.axes},
              {"keep_dims", a.keep_dims},
              {"axis", a.axis}};
}

graph::Attributes read_attributes(const Reader& r, const json& j, const std::string& p) {
  graph::Attributes a;  // absent keys keep their defaults, so older files still read
  a.stride_h = r.get_or(j, "stride_h", p, a.stride_h);
  a.stride_w = r.get_or(j, "stride_w", p, a.stride_w);
  a.dilation_h = r.get_or(j, "dilation_h", p, a.dilation_h);
  a.dilation_w = r.get_or(j, "dilation_w", p, a.dilation_w);
  a.filter_h = r.get_or(j, "filter_h", p, a.filter_h);
  a.filter_w = r.get_or(j, "filter_w", p, a.filter_w);
  a.padding = r.padding(r.get_or<std::string>(j, "padding", p, "valid"), p + ".padding");
  a.activation = r.activation(r.get_or<std::string>(j, "activation", p, "none"), p + ".activation");
  a.alpha = r.get_or(j, "alpha", p, a.alpha);
  a.rate = r.get_or(j, "rate", p, a.rate);
  a.epsilon = r.get_or(j, "epsilon", p, a.epsilon);
  a.momentum = r.get_or(j, "momentum", p, a.momentum);
  a.beta = r.get_or(j, "beta", p, a.beta);
  a.new_shape = r.get_or(j, "new_shape", p, a.new_shape);
  a.paddings = r.get_or(j, "paddings", p, a.paddings);
  a.axes = r.get_or(j, "axes", p, a.axes);
  a.keep_dims = r.get_or(j, "keep_dims", p, a.keep_dims);
  a.axis = r.get_or(j, "axis", p, a.axis);
  return a;
}

json graph_json(const graph::Graph& g, BlobWriter& blob) {
  json values = json::array();
  for (const graph::Value& v : g.values()) {
    json jv{{"name", v.name},
            {"shape", v.shape},
            {"kind", kind_name(v.kind)},
            {"dtype", static_cast<int>(v.dtype)}};
    if (!v.data.empty() || v.kind == graph::ValueKind::kParameter ||
        v.kind == graph::ValueKind::kState || v.kind == graph::ValueKind::kConstant)
      jv["data"] = blob.add(v.data);
    if (!v.quantization.scales.empty()) {
      jv["quantization"] = json{{"scales", v.quantization.scales},
                                {"zero_points", v.quantization.zero_points},
                                {"axis", v.quantization.axis}};
    }
    values.push_back(std::move(jv));
  }
  json nodes = json::array();
  for (const graph::Node& n : g.nodes()) {
    nodes.push_back(json{{"type", graph::op_type_name(n.type)},
                         {"name", n.name},
                         {"inputs", n.inputs},
                         {"outputs", n.outputs},
                         {"attrs", attributes_json(n.attrs)}});
  }
  return json{
      {"values", values}, {"nodes", nodes}, {"inputs", g.inputs()}, {"outputs", g.outputs()}};
}

graph::Graph read_graph(const Reader& r, const json& j, const uint8_t* blob, size_t blob_size) {
  graph::Graph g;
  const json& values = r.at(j, "values", "graph");
  if (!values.is_array()) r.fail("graph.values", "expected an array");
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string p = "graph.values[" + std::to_string(i) + "]";
    const json& jv = values[i];
    const auto name = r.get<std::string>(jv, "name", p);
    const auto shape = r.get<graph::Shape>(jv, "shape", p);
    const graph::ValueKind kind = r.kind(r.get<std::string>(jv, "kind", p), p + ".kind");
    graph::Tensor data;
    if (jv.contains("data")) data = read_tensor(r, jv["data"], p + ".data", blob, blob_size);
    int id;
    switch (kind) {
      case graph::ValueKind::kInput:
        id = g.add_input(name, shape);
        break;
      case graph::ValueKind::kParameter:
      case graph::ValueKind::kState:
        if (!jv.contains("data"))
          r.fail(p + ".data", "missing for a " + std::string(kind_name(kind)));
        id = g.add_parameter(name, std::move(data), kind == graph::ValueKind::kParameter);
        break;
      case graph::ValueKind::kConstant:
        if (!jv.contains("data")) r.fail(p + ".data", "missing for a constant");
        id = g.add_constant(name, std::move(data));
        break;
      case graph::ValueKind::kActivation: {
        graph::Value v;
        v.name = name;
        v.shape = shape;
        v.data = std::move(data);
        g.values().push_back(std::move(v));
        id = static_cast<int>(g.values().size()) - 1;
        break;
      }
    }
    graph::Value& v = g.value(id);
    if (v.name != name) r.fail(p + ".name", "'" + name + "' repeats an earlier name");
    if (v.shape != shape) {
      r.fail(p + ".shape", graph::shape_string(shape) + " differs from its data's shape " +
                               graph::shape_string(v.shape));
    }
    v.dtype = static_cast<DataType>(r.get<int>(jv, "dtype", p));
    if (jv.contains("quantization")) {
      const json& q = jv["quantization"];
      v.quantization.scales = r.get<std::vector<float>>(q, "scales", p + ".quantization");
      v.quantization.zero_points =
          r.get<std::vector<int64_t>>(q, "zero_points", p + ".quantization");
      v.quantization.axis = r.get<int>(q, "axis", p + ".quantization");
    }
  }
  const int value_count = static_cast<int>(g.values().size());
  auto check_ids = [&](const std::vector<int>& ids, const std::string& p) {
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || ids[k] >= value_count) {
        r.fail(p + "[" + std::to_string(k) + "]", "value id " + std::to_string(ids[k]) +
                                                      " is outside 0.." +
                                                      std::to_string(value_count - 1));
      }
    }
  };
  const json& nodes = r.at(j, "nodes", "graph");
  if (!nodes.is_array()) r.fail("graph.nodes", "expected an array");
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string p = "graph.nodes[" + std::to_string(i) + "]";
    graph::Node n;
    n.type = r.op(r.get<std::string>(nodes[i], "type", p), p + ".type");
    n.name = r.get<std::string>(nodes[i], "name", p);
    n.inputs = r.get<std::vector<int>>(nodes[i], "inputs", p);
    n.outputs = r.get<std::vector<int>>(nodes[i], "outputs", p);
    check_ids(n.inputs, p + ".inputs");
    check_ids(n.outputs, p + ".outputs");
    if (n.outputs.empty()) r.fail(p + ".outputs", "empty");
    n.attrs = read_attributes(r, r.at(nodes[i], "attrs", p), p + ".attrs");
    g.nodes().push_back(std::move(n));
  }
  const auto inputs = r.get<std::vector<int>>(j, "inputs", "graph");
  if (inputs != g.inputs())
    r.fail("graph.inputs", "do not match the values of kind input, in order");
  const auto outputs = r.get<std::vector<int>>(j, "outputs", "graph");
  check_ids(outputs, "graph.outputs");
  g.set_outputs(outputs);
  try {
    g.infer_shapes();  // the nodes must still fit their inputs
  } catch (const host::Error& e) {
    r.fail("graph", e.what());
  }
  return g;
}

}  // namespace

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

void restore_rng(std::mt19937_64& rng, const std::string& state) {
  std::istringstream in(state);
  in >> rng;
  if (!in) throw host::Error("random generator state is malformed");
}

std::vector<uint8_t> serialize_checkpoint(const Checkpoint& c) {
  BlobWriter blob;
  json header;
  header["format"] = "tinyforge-model";
  header["version"] = kVersion;
  header["graph"] = graph_json(c.graph, blob);
  json opt_tensors = json::array();
  for (const auto& [name, t] : c.optimizer.tensors) {
    json jt = blob.add(t);
    jt["name"] = name;
    opt_tensors.push_back(std::move(jt));
  }
  header["optimizer"] = json{{"name", c.optimizer.name},
                             {"step", c.optimizer.step},
                             {"tensors", opt_tensors},
                             {"settings", c.optimizer.settings}};
  json train_tensors = json::array();
  for (const auto& [name, t] : c.training.tensors) {
    json jt = blob.add(t);
    jt["name"] = name;
    train_tensors.push_back(std::move(jt));
  }
  header["training"] = json{{"epoch", c.training.epoch},
                            {"step", c.training.step},
                            {"rng", c.training.rng},
                            {"extra", c.training.extra},
                            {"tensors", train_tensors}};
  header["labels"] = c.labels;
  header["normalization"] = json{{"mean", c.normalization_mean}, {"std", c.normalization_std}};
  header["project"] = c.project;
  header["metadata"] = c.metadata;

  const std::string text = header.dump();
  const size_t blob_start = align_up(sizeof(kMagic) + 8 + text.size());
  std::vector<uint8_t> out(blob_start + blob.bytes().size(), 0);
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  const uint64_t length = text.size();
  std::memcpy(out.data() + 8, &length, 8);
  std::memcpy(out.data() + 16, text.data(), text.size());
  if (!blob.bytes().empty())
    std::memcpy(out.data() + blob_start, blob.bytes().data(), blob.bytes().size());
  return out;
}

Checkpoint parse_checkpoint(const uint8_t* data, size_t size, const std::string& label) {
  const Reader r(label);
  if (size < 16 || std::memcmp(data, kMagic, sizeof(kMagic)) != 0)
    r.fail("header", "not a tinyforge model file (expected magic \"TFMODEL\")");
  uint64_t length;
  std::memcpy(&length, data + 8, 8);
  if (length > size - 16) {
    r.fail("header", "length " + std::to_string(length) + " exceeds the file's " +
                         std::to_string(size) + " bytes (truncated file?)");
  }
  json h;
  try {
    h = json::parse(data + 16, data + 16 + length);
  } catch (const json::exception& e) {
    r.fail("header", std::string("malformed JSON: ") + e.what());
  }
  const size_t blob_start = align_up(16 + length);
  const uint8_t* blob = data + std::min(blob_start, size);
  const size_t blob_size = size > blob_start ? size - blob_start : 0;
  if (r.get<std::string>(h, "format", "header") != "tinyforge-model")
    r.fail("header.format", "expected \"tinyforge-model\"");
  const int version = r.get<int>(h, "version", "header");
  if (version != kVersion) {
    r.fail("header.version",
           std::to_string(version) + " is not supported, expected " + std::to_string(kVersion));
  }

  Checkpoint c;
  c.graph = read_graph(r, r.at(h, "graph", "header"), blob, blob_size);
  const json& o = r.at(h, "optimizer", "header");
  c.optimizer.name = r.get<std::string>(o, "name", "optimizer");
  c.optimizer.step = r.get<int64_t>(o, "step", "optimizer");
  c.optimizer.settings = r.at(o, "settings", "optimizer");
  const json& ot = r.at(o, "tensors", "optimizer");
  for (size_t i = 0; i < ot.size(); ++i) {
    const std::string p = "optimizer.tensors[" + std::to_string(i) + "]";
    c.optimizer.tensors.emplace_back(r.get<std::string>(ot[i], "name", p),
                                     read_tensor(r, ot[i], p, blob, blob_size));
  }
  const json& t = r.at(h, "training", "header");
  c.training.epoch = r.get<int64_t>(t, "epoch", "training");
  c.training.step = r.get<int64_t>(t, "step", "training");
  c.training.rng = r.get<std::string>(t, "rng", "training");
  c.training.extra = r.at(t, "extra", "training");
  if (t.contains("tensors")) {
    const json& tt = t["tensors"];
    for (size_t i = 0; i < tt.size(); ++i) {
      const std::string p = "training.tensors[" + std::to_string(i) + "]";
      c.training.tensors.emplace_back(r.get<std::string>(tt[i], "name", p),
                                      read_tensor(r, tt[i], p, blob, blob_size));
    }
  }
  if (!c.training.rng.empty()) {
    std::mt19937_64 probe;
    try {
      restore_rng(probe, c.training.rng);
    } catch (const host::Error&) {
      r.fail("training.rng", "is not a std::mt19937_64 state");
    }
  }
  c.labels = r.get<std::vector<std::string>>(h, "labels", "header");
  const json& n = r.at(h, "normalization", "header");
  c.normalization_mean = r.get<std::vector<float>>(n, "mean", "normalization");
  c.normalization_std = r.get<std::vector<float>>(n, "std", "normalization");
  if (c.normalization_mean.size() != c.normalization_std.size())
    r.fail("normalization", "mean and std have different lengths");
  c.project = r.get<std::string>(h, "project", "header");
  c.metadata = r.at(h, "metadata", "header");
  return c;
}

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
  const std::vector<uint8_t> bytes = serialize_checkpoint(checkpoint);
  host::write_file(path, bytes.data(), bytes.size());
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = host::read_file(path);
  return parse_checkpoint(bytes.data(), bytes.size(), path.string());
}

}  // namespace tinyforge::train
