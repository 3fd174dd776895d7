// The .tfm format: a full round trip of IR, weights, optimizer and training state, and clear
// errors for damaged files.
#include "toolkit/train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/zoo/zoo.h"

namespace tinyforge::train {
namespace {

Checkpoint sample_checkpoint() {
  Checkpoint c;
  zoo::ModelOptions o;
  o.seed = 99;
  c.graph = zoo::resnet8(o);
  c.graph.value(1).quantization = {{0.5f, 0.25f}, {0, 3}, 0};  // a quantized value survives too
  for (int id : c.graph.trainable_parameters()) {
    graph::Tensor m(c.graph.value(id).shape, 0.125f);
    c.optimizer.tensors.emplace_back(c.graph.value(id).name + "/m", m);
  }
  c.optimizer.name = "adam";
  c.optimizer.step = 938;
  c.optimizer.settings = {{"learning_rate", 1e-3}, {"beta1", 0.9}};
  std::mt19937_64 rng(5);
  rng.discard(1234);
  c.training.epoch = 1;
  c.training.step = 938;
  c.training.rng = rng_state(rng);
  c.training.extra = {{"best_epoch", 1}, {"history", {{{"epoch", 1}, {"loss", 0.5}}}}};
  c.training.tensors.emplace_back("best/w", graph::Tensor({2, 2}, {1, 2, 3, 4}));
  c.labels = {"a", "b", "c"};
  c.normalization_mean = {0.5f, 0.4f, 0.3f};
  c.normalization_std = {0.2f, 0.2f, 0.25f};
  c.project = "model:\n  zoo: resnet8\n";
  c.metadata = {{"model", "resnet8"}};
  return c;
}

void expect_same_graph(const graph::Graph& a, const graph::Graph& b) {
  ASSERT_EQ(a.values().size(), b.values().size());
  for (size_t i = 0; i < a.values().size(); ++i) {
    const graph::Value &x = a.values()[i], &y = b.values()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.shape, y.shape) << x.name;
    EXPECT_EQ(x.kind, y.kind) << x.name;
    EXPECT_EQ(x.dtype, y.dtype) << x.name;
    EXPECT_EQ(x.data.shape(), y.data.shape()) << x.name;
    EXPECT_EQ(x.data.values(), y.data.values()) << x.name;  // bit-exact floats
    EXPECT_EQ(x.quantization.scales, y.quantization.scales) << x.name;
    EXPECT_EQ(x.quantization.zero_points, y.quantization.zero_points) << x.name;
  }
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const graph::Node &x = a.nodes()[i], &y = b.nodes()[i];
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.inputs, y.inputs);
    EXPECT_EQ(x.outputs, y.outputs);
    EXPECT_EQ(x.attrs.stride_h, y.attrs.stride_h);
    EXPECT_EQ(x.attrs.padding, y.attrs.padding);
    EXPECT_EQ(x.attrs.activation, y.attrs.activation);
    EXPECT_EQ(x.attrs.filter_w, y.attrs.filter_w);
    EXPECT_EQ(x.attrs.new_shape, y.attrs.new_shape);
    EXPECT_EQ(x.attrs.epsilon, y.attrs.epsilon);
    EXPECT_EQ(x.attrs.momentum, y.attrs.momentum);
  }
  EXPECT_EQ(a.inputs(), b.inputs());
  EXPECT_EQ(a.outputs(), b.outputs());
  EXPECT_EQ(a.parameter_count(), b.parameter_count());
  EXPECT_EQ(a.macs(), b.macs());
}

TEST(Checkpoint, RoundTripKeepsEverythingExactly) {
  const Checkpoint c = sample_checkpoint();
  const std::vector<uint8_t> bytes = serialize_checkpoint(c);
  const Checkpoint d = parse_checkpoint(bytes.data(), bytes.size(), "mem");
  expect_same_graph(c.graph, d.graph);
  ASSERT_EQ(c.optimizer.tensors.size(), d.optimizer.tensors.size());
  for (size_t i = 0; i < c.optimizer.tensors.size(); ++i) {
    EXPECT_EQ(c.optimizer.tensors[i].first, d.optimizer.tensors[i].first);
    EXPECT_EQ(c.optimizer.tensors[i].second.values(), d.optimizer.tensors[i].second.values());
    EXPECT_EQ(c.optimizer.tensors[i].second.shape(), d.optimizer.tensors[i].second.shape());
  }
  EXPECT_EQ(d.optimizer.name, "adam");
  EXPECT_EQ(d.optimizer.step, 938);
  EXPECT_EQ(d.optimizer.settings, c.optimizer.settings);
  EXPECT_EQ(d.training.epoch, 1);
  EXPECT_EQ(d.training.extra, c.training.extra);
  ASSERT_EQ(d.training.tensors.size(), 1u);
  EXPECT_EQ(d.training.tensors[0].first, "best/w");
  EXPECT_EQ(d.training.tensors[0].second.values(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.labels, c.labels);
  EXPECT_EQ(d.normalization_mean, c.normalization_mean);
  EXPECT_EQ(d.normalization_std, c.normalization_std);
  EXPECT_EQ(d.project, c.project);
  EXPECT_EQ(d.metadata, c.metadata);
  // The generator continues exactly where it stopped.
  std::mt19937_64 a(5), b;
  a.discard(1234);
  restore_rng(b, d.training.rng);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a(), b());
  // Serialization is deterministic: the same checkpoint gives the same bytes.
  EXPECT_EQ(serialize_checkpoint(d), bytes);
}

TEST(Checkpoint, SavesAtomicallyAndLoads) {
  const auto dir = std::filesystem::temp_directory_path() / "tinyforge_checkpoint_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "model.tfm";
  const Checkpoint c = sample_checkpoint();
  save_checkpoint(path, c);
  save_checkpoint(path, c);  // overwriting works
  const Checkpoint d = load_checkpoint(path);
  expect_same_graph(c.graph, d.graph);
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
  std::filesystem::remove_all(dir);
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    parse_checkpoint(bytes.data(), bytes.size(), "bad.tfm");
  } catch (const host::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, DamagedFilesNameTheFileAndField) {
  const std::vector<uint8_t> good = serialize_checkpoint(sample_checkpoint());
  std::vector<uint8_t> bad = good;
  bad[0] = 'X';
  EXPECT_NE(error_of(bad).find("bad.tfm: header: not a tinyforge model"), std::string::npos)
      << error_of(bad);
  bad.assign(good.begin(), good.begin() + 100);
  EXPECT_NE(error_of(bad).find("truncated"), std::string::npos) << error_of(bad);
  bad.assign(good.begin(), good.end() - 64);  // tensor data cut short
  EXPECT_NE(error_of(bad).find("outside"), std::string::npos) << error_of(bad);
  // A field with the wrong content: edit the JSON header in place (same length).
  bad = good;
  std::string text(bad.begin() + 16, bad.end());
  const size_t at = text.find("\"type\":\"Conv2D\"");
  ASSERT_NE(at, std::string::npos);
  std::memcpy(bad.data() + 16 + at + 8, "Conv9D", 6);
  EXPECT_NE(error_of(bad).find("graph.nodes[0].type: 'Conv9D'"), std::string::npos)
      << error_of(bad);
  EXPECT_THROW(load_checkpoint("/nonexistent/model.tfm"), host::Error);
}

}  // namespace
}  // namespace tinyforge::train
