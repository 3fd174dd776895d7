// The TFLite writer: float32 graphs run in our runtime and agree with a plain float computation;
// int8 and 16x8 graphs with hand-set quantization pass the runtime's verifier and carry exactly the
// bytes and quantization fields the quantized-graph contract asks for; metadata round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "tests/support/run_model.h"
#include "tests/unit/tflite_reference.h"
#include "tflite_generated.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::tflite {
namespace {

using graph::Activation;
using graph::Attributes;
using graph::Graph;
using graph::OpType;
using graph::Padding;
using graph::Tensor;
using testing::from_bytes;
using testing::to_bytes;

Tensor random_tensor(std::mt19937& rng, graph::Shape shape, float scale = 0.5f) {
  std::uniform_real_distribution<float> d(-scale, scale);
  Tensor t(shape);
  for (float& v : t.values()) v = d(rng);
  return t;
}

std::vector<float> random_input(std::mt19937& rng, const graph::Shape& shape) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(graph::num_elements(testing::batch_one(shape)));
  for (float& x : v) x = d(rng);
  return v;
}

// Writes `g` as float32, runs it in the runtime on random inputs and compares every output with
// the plain reference.
void expect_float_graph_matches_reference(const Graph& g, uint32_t seed) {
  const std::vector<uint8_t> file = write_tflite(g, {});
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<std::vector<float>> inputs;
    std::vector<std::vector<uint8_t>> input_bytes;
    for (int id : g.inputs()) {
      inputs.push_back(random_input(rng, g.value(id).shape));
      input_bytes.push_back(to_bytes(inputs.back()));
    }
    const testing::RunResult run = testing::run_model(file, input_bytes);
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    const auto ref = testing::reference_run(g, inputs);
    ASSERT_EQ(run.outputs.size(), g.outputs().size());
    for (size_t o = 0; o < g.outputs().size(); ++o) {
      testing::expect_close(from_bytes<float>(run.outputs[o]), ref.at(g.outputs()[o]).v, 1e-5,
                            "output " + std::to_string(o));
    }
  }
}

const ::tflite::Model* parse(const std::vector<uint8_t>& file) {
  flatbuffers::Verifier verifier(file.data(), file.size());
  EXPECT_TRUE(::tflite::VerifyModelBuffer(verifier));
  return ::tflite::GetModel(file.data());
}

const ::tflite::Tensor* find_tensor(const ::tflite::Model* m, const std::string& name) {
  for (const auto* t : *m->subgraphs()->Get(0)->tensors())
    if (t->name()->str() == name) return t;
  ADD_FAILURE() << "no tensor named " << name;
  return nullptr;
}

template <typename T>
std::vector<T> tensor_data(const ::tflite::Model* m, const ::tflite::Tensor* t) {
  const auto* data = m->buffers()->Get(t->buffer())->data();
  std::vector<T> out(data->size() / sizeof(T));
  std::memcpy(out.data(), data->data(), out.size() * sizeof(T));
  return out;
}

int32_t version_of(const ::tflite::Model* m, ::tflite::BuiltinOperator op) {
  for (const auto* c : *m->operator_codes())
    if (c->builtin_code() == op) return c->version();
  return 0;
}

TEST(TfliteWriter, FloatConvNetMatchesPlainComputation) {
  std::mt19937 rng(1);
  Graph g;
  int x = g.add_input("image", {-1, 7, 7, 3});
  Attributes pad;
  pad.paddings = {0, 0, 1, 0, 0, 1, 0, 0};
  x = g.add_node(OpType::kPad, {x}, pad);  // [8, 8, 3]
  Attributes conv;
  conv.stride_h = conv.stride_w = 2;
  conv.padding = Padding::kSame;
  conv.activation = Activation::kRelu;
  x = g.add_node(OpType::kConv2D,
                 {x, g.add_parameter("conv/w", random_tensor(rng, {4, 3, 3, 3})),
                  g.add_parameter("conv/b", random_tensor(rng, {4}))},
                 conv);  // [4, 4, 4]
  Attributes dw;
  dw.activation = Activation::kRelu6;
  x = g.add_node(OpType::kDepthwiseConv2D,
                 {x, g.add_parameter("dw/w", random_tensor(rng, {1, 3, 3, 8})),
                  g.add_parameter("dw/b", random_tensor(rng, {8}))},
                 dw);  // [2, 2, 8], depth multiplier 2
  Attributes maxpool;
  maxpool.filter_h = maxpool.filter_w = 2;
  maxpool.padding = Padding::kSame;
  x = g.add_node(OpType::kMaxPool2D, {x}, maxpool);  // [2, 2, 8]
  Attributes avgpool;
  avgpool.filter_h = avgpool.filter_w = avgpool.stride_h = avgpool.stride_w = 2;
  x = g.add_node(OpType::kAveragePool2D, {x}, avgpool);  // [1, 1, 8]
  Attributes reshape;
  reshape.new_shape = {-1, 8};
  x = g.add_node(OpType::kReshape, {x}, reshape);
  x = g.add_node(OpType::kFullyConnected, {x, g.add_parameter("fc/w", random_tensor(rng, {5, 8})),
                                           g.add_parameter("fc/b", random_tensor(rng, {5}))});
  x = g.add_node(OpType::kSoftmax, {x});
  g.set_outputs({x});
  expect_float_graph_matches_reference(g, 11);
}

TEST(TfliteWriter, FloatDilatedConvAndGlobalMeanMatchPlainComputation) {
  std::mt19937 rng(2);
  Graph g;
  int x = g.add_input("in", {-1, 9, 8, 2});
  Attributes conv;
  conv.dilation_h = 2;
  conv.dilation_w = 3;
  conv.padding = Padding::kSame;
  x = g.add_node(OpType::kConv2D, {x, g.add_parameter("w", random_tensor(rng, {3, 3, 2, 2}))},
                 conv);
  Attributes dw;
  dw.dilation_h = dw.dilation_w = 2;
  dw.stride_h = 2;
  x = g.add_node(OpType::kDepthwiseConv2D,
                 {x, g.add_parameter("dw", random_tensor(rng, {1, 2, 2, 3})),
                  g.add_parameter("dwb", random_tensor(rng, {3}))},
                 dw);
  Attributes mean;
  mean.axes = {1, 2};
  const int pooled = g.add_node(OpType::kMean, {x}, mean);
  Attributes mean_keep;
  mean_keep.axes = {-1};
  mean_keep.keep_dims = true;
  const int channel_mean = g.add_node(OpType::kMean, {x}, mean_keep);
  g.set_outputs({pooled, channel_mean});
  expect_float_graph_matches_reference(g, 12);
}

TEST(TfliteWriter, FloatElementwiseOpsMatchPlainComputation) {
  std::mt19937 rng(3);
  Graph g;
  const int in = g.add_input("features", {-1, 6});
  const int h = g.add_node(OpType::kFullyConnected,
                           {in, g.add_parameter("w", random_tensor(rng, {4, 6}, 1.5f))});
  Attributes leaky;
  leaky.alpha = 0.1f;
  const int a = g.add_node(OpType::kLeakyRelu, {h}, leaky);
  const int b = g.add_node(OpType::kLogistic, {h});
  const int c = g.add_node(OpType::kTanh, {a});
  const int d = g.add_node(OpType::kHardSwish, {h});
  Attributes relu_add;
  relu_add.activation = Activation::kRelu;
  const int e = g.add_node(OpType::kAdd, {b, c}, relu_add);
  const int f = g.add_node(OpType::kMul, {e, d});
  const int scaled =
      g.add_node(OpType::kMul, {f, g.add_constant("gain", random_tensor(rng, {4}, 2.0f))});
  const int r = g.add_node(OpType::kRelu, {h});
  const int r6 = g.add_node(OpType::kRelu6, {a});
  Attributes concat;
  concat.axis = -1;
  const int cat = g.add_node(OpType::kConcatenation, {scaled, r, r6}, concat);
  Attributes soft;
  soft.beta = 0.5f;
  const int s = g.add_node(OpType::kSoftmax, {cat}, soft);
  g.set_outputs({s, f});
  expect_float_graph_matches_reference(g, 13);
}

TEST(TfliteWriter, FileLayoutBufferZeroAlignmentStaticShapesDescription) {
  std::mt19937 rng(4);
  Graph g;
  const int in = g.add_input("x", {-1, 3});
  const int y =
      g.add_node(OpType::kFullyConnected, {in, g.add_parameter("w", random_tensor(rng, {5, 3})),
                                           g.add_parameter("b", random_tensor(rng, {5}))});
  g.set_outputs({y});
  const std::vector<uint8_t> file = write_tflite(g, {});
  const ::tflite::Model* m = parse(file);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->version(), 3u);
  EXPECT_EQ(m->description()->str(), "tinyforge");
  ASSERT_GE(m->buffers()->size(), 1u);
  EXPECT_TRUE(m->buffers()->Get(0)->data() == nullptr || m->buffers()->Get(0)->data()->size() == 0);
  for (const auto* b : *m->buffers()) {
    if (b->data() == nullptr || b->data()->size() == 0) continue;
    EXPECT_EQ((b->data()->data() - file.data()) % 16, 0) << "constant data not 16-byte aligned";
  }
  for (const auto* t : *m->subgraphs()->Get(0)->tensors()) {
    EXPECT_EQ(t->shape_signature(), nullptr) << t->name()->str();
    for (int32_t d : *t->shape()) EXPECT_GT(d, 0) << t->name()->str();
  }
  EXPECT_EQ(find_tensor(m, "x")->shape()->Get(0), 1);
  // The weights keep their float bytes exactly.
  EXPECT_EQ(tensor_data<float>(m, find_tensor(m, "w")),
            g.value(g.nodes()[0].inputs[1]).data.values());
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::FULLY_CONNECTED), 1);
  ASSERT_NE(m->signature_defs(), nullptr);
  EXPECT_EQ(m->signature_defs()->Get(0)->signature_key()->str(), "serving_default");
}

// An int8 graph as toolkit/quantize makes it: per-channel symmetric weights, int32 bias with
// scale input_scale * weight_scale[c], asymmetric per-tensor activations.
Graph int8_fc_graph(DataType act = DataType::kInt8, DataType bias_type = DataType::kInt32) {
  Graph g;
  const bool int16 = act == DataType::kInt16;
  const int in = g.add_input("x", {-1, 4});
  g.value(in).dtype = act;
  g.value(in).quantization = {{0.05f}, {int16 ? 0 : -3}, 0};
  const int w = g.add_parameter(
      "w", Tensor({3, 4}, {0.10f, -0.205f, 0.015f, 1.30f,  //
                           0.04f, 0.05f, -0.06f, 0.07f,    //
                           -0.3f, 0.24f, 0.0f, 9.0f}));    // 9.0 saturates at 127 * 0.03
  g.value(w).dtype = DataType::kInt8;
  g.value(w).quantization = {{0.01f, 0.02f, 0.03f}, {0, 0, 0}, 0};
  const int b = g.add_parameter("b", Tensor({3}, {0.01f, -0.002f, 0.5f}));
  g.value(b).dtype = bias_type;
  g.value(b).quantization = {{0.05f * 0.01f, 0.05f * 0.02f, 0.05f * 0.03f}, {0, 0, 0}, 0};
  Attributes fc;
  fc.activation = Activation::kRelu;
  const int y = g.add_node(OpType::kFullyConnected, {in, w, b}, fc, "fc");
  g.value(y).dtype = act;
  g.value(y).quantization = {{0.1f}, {int16 ? 0 : -128}, 0};
  g.set_outputs({y});
  return g;
}

TEST(TfliteWriter, Int8GraphIsAcceptedWithContractBytes) {
  const Graph g = int8_fc_graph();
  const std::vector<uint8_t> file = write_tflite(g, {});
  const testing::LoadResult load = testing::load_model(file);
  ASSERT_EQ(load.status, Status::kOk) << load.message;
  const ::tflite::Model* m = parse(file);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::FULLY_CONNECTED), 4);

  const auto* w = find_tensor(m, "w");
  EXPECT_EQ(w->type(), ::tflite::TensorType::INT8);
  // round-half-away-from-zero(w / scale[row]), clamped to [-128, 127]:
  // 0.10/0.01=10, -0.205/0.01=-20.5→-21, 0.015/0.01=1.5→2, 1.30/0.01=130→127; row 1 / 0.02;
  // row 2 / 0.03: -10, 8, 0, 300→127.
  EXPECT_EQ(tensor_data<int8_t>(m, w),
            (std::vector<int8_t>{10, -21, 2, 127, 2, 3, -3, 4, -10, 8, 0, 127}));
  EXPECT_EQ(
      std::vector<float>(w->quantization()->scale()->begin(), w->quantization()->scale()->end()),
      (std::vector<float>{0.01f, 0.02f, 0.03f}));
  EXPECT_EQ(std::vector<int64_t>(w->quantization()->zero_point()->begin(),
                                 w->quantization()->zero_point()->end()),
            (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(w->quantization()->quantized_dimension(), 0);

  const auto* b = find_tensor(m, "b");
  EXPECT_EQ(b->type(), ::tflite::TensorType::INT32);
  // 0.01/0.0005 = 20, -0.002/0.001 = -2, 0.5/0.0015 = 333.33 → 333.
  EXPECT_EQ(tensor_data<int32_t>(m, b), (std::vector<int32_t>{20, -2, 333}));
  EXPECT_FLOAT_EQ(b->quantization()->scale()->Get(2), 0.05f * 0.03f);

  const auto* x = find_tensor(m, "x");
  EXPECT_EQ(x->type(), ::tflite::TensorType::INT8);
  EXPECT_FLOAT_EQ(x->quantization()->scale()->Get(0), 0.05f);
  EXPECT_EQ(x->quantization()->zero_point()->Get(0), -3);
  const auto* y = find_tensor(m, "fc");
  EXPECT_EQ(y->quantization()->zero_point()->Get(0), -128);
  EXPECT_EQ(m->subgraphs()->Get(0)->operators()->size(), 1u);
  EXPECT_EQ(m->subgraphs()
                ->Get(0)
                ->operators()
                ->Get(0)
                ->builtin_options_as_FullyConnectedOptions()
                ->fused_activation_function(),
            ::tflite::ActivationFunctionType::RELU);

  // The runtime computes what the quantized values say, within one output step.
  const std::vector<int8_t> xq = {17, -40, 100, 3};
  const testing::RunResult run = testing::run_model(file, {to_bytes(xq)});
  ASSERT_EQ(run.status, Status::kOk) << run.message;
  const std::vector<int8_t> yq = from_bytes<int8_t>(run.outputs[0]);
  const std::vector<int8_t> wq = tensor_data<int8_t>(m, w);
  const std::vector<int32_t> bq = tensor_data<int32_t>(m, b);
  const float ws[3] = {0.01f, 0.02f, 0.03f};
  for (int u = 0; u < 3; ++u) {
    int64_t acc = bq[u];
    for (int i = 0; i < 4; ++i) acc += int64_t{wq[u * 4 + i]} * (xq[i] + 3);
    const double real = std::max(0.0, acc * 0.05 * ws[u]);
    const double want = std::clamp(std::round(real / 0.1) - 128, -128.0, 127.0);
    EXPECT_NEAR(yq[u], want, 1.0) << "unit " << u;
  }
}

TEST(TfliteWriter, FloatIoAddsQuantizeAndDequantize) {
  const Graph g = int8_fc_graph();
  WriteOptions options;
  options.float_io = true;
  const std::vector<uint8_t> file = write_tflite(g, options);
  const ::tflite::Model* m = parse(file);
  const auto* sub = m->subgraphs()->Get(0);
  ASSERT_EQ(sub->operators()->size(), 3u);
  EXPECT_EQ(sub->tensors()->Get(sub->inputs()->Get(0))->type(), ::tflite::TensorType::FLOAT32);
  EXPECT_EQ(sub->tensors()->Get(sub->outputs()->Get(0))->type(), ::tflite::TensorType::FLOAT32);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::QUANTIZE), 1);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::DEQUANTIZE), 2);
  // Float in, float out: x = 0.05 * (q + 3) with q as in the int8 test.
  const std::vector<float> x = {1.0f, -1.85f, 5.15f, 0.3f};
  const testing::RunResult run = testing::run_model(file, {to_bytes(x)});
  ASSERT_EQ(run.status, Status::kOk) << run.message;
  const std::vector<float> y = from_bytes<float>(run.outputs[0]);
  ASSERT_EQ(y.size(), 3u);
  // Float reference with the quantized weights; the int8 output grid is 0.1 wide.
  const float wq[3][4] = {
      {0.10f, -0.21f, 0.02f, 1.27f}, {0.04f, 0.06f, -0.06f, 0.08f}, {-0.3f, 0.24f, 0.0f, 3.81f}};
  const float bq[3] = {0.01f, -0.002f, 0.4995f};
  for (int u = 0; u < 3; ++u) {
    double s = bq[u];
    for (int i = 0; i < 4; ++i) s += wq[u][i] * x[i];
    EXPECT_NEAR(y[u], std::max(0.0, s), 0.1 + 1e-6) << "unit " << u;
  }
}

TEST(TfliteWriter, ExtraOutputsAreExposed) {
  std::mt19937 rng(5);
  Graph g;
  const int in = g.add_input("x", {-1, 3});
  const int h = g.add_node(OpType::kFullyConnected,
                           {in, g.add_parameter("w", random_tensor(rng, {4, 3}))}, {}, "hidden");
  const int y = g.add_node(OpType::kTanh, {h});
  g.set_outputs({y});
  WriteOptions options;
  options.extra_outputs = {h};
  const std::vector<uint8_t> file = write_tflite(g, options);
  const std::vector<float> x = {0.5f, -0.25f, 1.0f};
  const testing::RunResult run = testing::run_model(file, {to_bytes(x)});
  ASSERT_EQ(run.status, Status::kOk) << run.message;
  ASSERT_EQ(run.outputs.size(), 2u);
  const auto ref = testing::reference_run(g, {x});
  testing::expect_close(from_bytes<float>(run.outputs[1]), ref.at(h).v, 1e-5, "hidden");
}

TEST(TfliteWriter, Int16x8ConvAndFullyConnectedAreAccepted) {
  // FC 16x8: int16 activations (zero point 0), int8 weights, int64 bias.
  const Graph fc = int8_fc_graph(DataType::kInt16, DataType::kInt64);
  std::vector<uint8_t> file = write_tflite(fc, {});
  testing::LoadResult load = testing::load_model(file);
  ASSERT_EQ(load.status, Status::kOk) << load.message;
  const ::tflite::Model* m = parse(file);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::FULLY_CONNECTED), 7);
  EXPECT_EQ(find_tensor(m, "b")->type(), ::tflite::TensorType::INT64);
  EXPECT_EQ(tensor_data<int64_t>(m, find_tensor(m, "b")), (std::vector<int64_t>{20, -2, 333}));
  EXPECT_EQ(find_tensor(m, "x")->type(), ::tflite::TensorType::INT16);
  EXPECT_EQ(find_tensor(m, "x")->quantization()->zero_point()->Get(0), 0);

  // Conv and depthwise 16x8, depthwise weights per channel along axis 3.
  Graph g;
  const int in = g.add_input("x", {-1, 4, 4, 2});
  g.value(in).dtype = DataType::kInt16;
  g.value(in).quantization = {{1.0f / 4096}, {0}, 0};
  const int w = g.add_parameter("w", Tensor({2, 1, 1, 2}, {0.5f, -0.25f, 0.125f, 1.0f}));
  g.value(w).dtype = DataType::kInt8;
  g.value(w).quantization = {{0.5f / 127, 1.0f / 127}, {0, 0}, 0};
  const int b = g.add_parameter("b", Tensor({2}, {0.01f, -0.01f}));
  g.value(b).dtype = DataType::kInt64;
  g.value(b).quantization = {
      {(1.0f / 4096) * (0.5f / 127), (1.0f / 4096) * (1.0f / 127)}, {0, 0}, 0};
  const int c = g.add_node(OpType::kConv2D, {in, w, b}, {}, "conv");
  g.value(c).dtype = DataType::kInt16;
  g.value(c).quantization = {{1.0f / 2048}, {0}, 0};
  const int dw = g.add_parameter(
      "dw", Tensor({1, 2, 2, 2}, {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, 0.6f, 0.7f, -0.8f}));
  g.value(dw).dtype = DataType::kInt8;
  g.value(dw).quantization = {{0.7f / 127, 0.8f / 127}, {0, 0}, 3};
  const int d = g.add_node(OpType::kDepthwiseConv2D, {c, dw}, {}, "dwconv");
  g.value(d).dtype = DataType::kInt16;
  g.value(d).quantization = {{1.0f / 1024}, {0}, 0};
  g.set_outputs({d});
  file = write_tflite(g, {});
  load = testing::load_model(file);
  ASSERT_EQ(load.status, Status::kOk) << load.message;
  m = parse(file);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::CONV_2D), 4);
  EXPECT_EQ(version_of(m, ::tflite::BuiltinOperator::DEPTHWISE_CONV_2D), 5);
  const auto* dwt = find_tensor(m, "dw");
  EXPECT_EQ(dwt->quantization()->quantized_dimension(), 3);
  // Channel 0 scale 0.7/127: 0.1→18.14→18, -0.3→-54.4→-54, 0.5→90.7→91, 0.7→127;
  // channel 1 scale 0.8/127: 0.2→31.75→32, 0.4→63.5→64, 0.6→95.25→95, -0.8→-127.
  EXPECT_EQ(tensor_data<int8_t>(m, dwt), (std::vector<int8_t>{18, 32, -54, 64, 91, 95, 127, -127}));
  const std::vector<int16_t> x(32, 1000);
  const testing::RunResult run = testing::run_model(file, {to_bytes(x)});
  EXPECT_EQ(run.status, Status::kOk) << run.message;
}

TEST(TfliteWriter, MetadataRoundTripsThroughTheFile) {
  std::mt19937 rng(6);
  Graph g;
  const int in = g.add_input("x", {-1, 2});
  g.set_outputs({g.add_node(OpType::kFullyConnected,
                            {in, g.add_parameter("w", random_tensor(rng, {3, 2}))})});
  WriteOptions options;
  options.metadata.labels = {"cat", "dog", "a \"quoted\" label"};
  options.metadata.input_mean = {0.5f, 0.25f};
  options.metadata.input_std = {2.0f, 4.0f};
  options.metadata.version = "0.5.0-test";
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "tinyforge_tflite_metadata_test.tflite";
  write_tflite_file(g, options, path);
  const std::vector<uint8_t> file = host::read_file(path);
  const ::tflite::Model* m = parse(file);
  ASSERT_NE(m->metadata(), nullptr);
  ASSERT_EQ(m->metadata()->size(), 1u);
  EXPECT_EQ(m->metadata()->Get(0)->name()->str(), "tinyforge");
  const auto* json = m->buffers()->Get(m->metadata()->Get(0)->buffer())->data();
  EXPECT_NE(std::string(json->begin(), json->end()).find("\"labels\""), std::string::npos);
  const Imported back = import_tflite(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.metadata.labels, options.metadata.labels);
  EXPECT_EQ(back.metadata.input_mean, options.metadata.input_mean);
  EXPECT_EQ(back.metadata.input_std, options.metadata.input_std);
  EXPECT_EQ(back.metadata.version, "0.5.0-test");
}

TEST(TfliteWriter, RefusesTrainingOnlyOpsNamingTheNode) {
  Graph g;
  const int in = g.add_input("x", {-1, 4});
  Attributes drop;
  drop.rate = 0.5f;
  g.set_outputs({g.add_node(OpType::kDropout, {in}, drop, "my_dropout")});
  try {
    write_tflite(g, {});
    FAIL() << "expected host::Error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("my_dropout"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("training-only"), std::string::npos) << e.what();
  }
}

TEST(TfliteQuantizeValues, RoundsHalfAwayFromZeroAndClampsPerChannel) {
  graph::Value v;
  v.name = "v";
  v.data = Tensor({2, 3}, {0.5f, -0.5f, 1.5f, -2.5f, 1000.0f, -1000.0f});
  v.shape = v.data.shape();
  v.dtype = DataType::kInt8;
  v.quantization = {{1.0f}, {0}, 0};
  EXPECT_EQ(quantize_values(v), (std::vector<int64_t>{1, -1, 2, -3, 127, -128}));
  // Per channel along axis 1 with zero points.
  v.quantization = {{1.0f, 0.5f, 2.0f}, {0, 10, -5}, 1};
  EXPECT_EQ(quantize_values(v), (std::vector<int64_t>{1, 9, -4, -3, 127, -128}));
  v.dtype = DataType::kInt16;
  EXPECT_EQ(quantize_values(v), (std::vector<int64_t>{1, 9, -4, -3, 2010, -505}));
  v.quantization.axis = 0;  // 3 scales along a dimension of 2
  EXPECT_THROW(quantize_values(v), host::Error);
}

}  // namespace
}  // namespace tinyforge::tflite
