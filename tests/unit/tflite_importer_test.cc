// The TFLite importer on real pretrained models from ../shared/conformance: import, write back as
// float32, and our runtime gives the same outputs for the original and the round-tripped file. The
// hybrid keyword-spotting model (which the runtime refuses) is checked against the float
// computation with its int8 weights dequantized.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "tests/unit/tflite_reference.h"
#include "tflite_generated.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/tflite.h"
#include "toolkit/train/executor.h"

namespace tinyforge::tflite {
namespace {

namespace fs = std::filesystem;
using testing::from_bytes;

fs::path model_path(const std::string& name) {
  return testing::shared_dir() / "conformance" / "models" / (name + ".tflite");
}

std::vector<uint8_t> vector_file(const std::string& model, const std::string& file) {
  return host::read_file(testing::shared_dir() / "conformance" / "vectors" / model / file);
}

// Original and round-tripped files give byte-identical outputs on every conformance input.
void expect_round_trip_identical(const std::string& name) {
  const std::vector<uint8_t> original = host::read_file(model_path(name));
  const Imported imported = import_tflite(model_path(name));
  const std::vector<uint8_t> written = write_tflite(imported.graph, {});
  for (int seed = 1; seed <= 3; ++seed) {
    const std::vector<std::vector<uint8_t>> inputs = {
        vector_file(name, "input_" + std::to_string(seed) + "_0.bin")};
    const testing::RunResult a = testing::run_model(original, inputs);
    const testing::RunResult b = testing::run_model(written, inputs);
    ASSERT_EQ(a.status, Status::kOk) << a.message;
    ASSERT_EQ(b.status, Status::kOk) << b.message;
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t o = 0; o < a.outputs.size(); ++o) {
      EXPECT_EQ(a.outputs[o], b.outputs[o]) << name << " seed " << seed << " output " << o;
    }
    // And both agree with TFLite Micro's recorded float output.
    const std::vector<float> tflm =
        from_bytes<float>(vector_file(name, "output_" + std::to_string(seed) + "_0.bin"));
    const std::vector<float> ours = from_bytes<float>(b.outputs[0]);
    ASSERT_EQ(ours.size(), tflm.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_NEAR(ours[i], tflm[i], 1e-4 * std::max(1.0f, std::abs(tflm[i]))) << name;
    }
  }
}

TEST(TfliteImporter, HelloWorldFloatRoundTripsIdentically) {
  TINYFORGE_REQUIRE_SHARED();
  const Imported imported = import_tflite(model_path("hello_world_float"));
  EXPECT_EQ(imported.graph.nodes().size(), 3u);
  EXPECT_EQ(imported.graph.trainable_parameters().size(), 6u);  // weights and biases
  EXPECT_EQ(imported.graph.value(imported.graph.inputs()[0]).shape, (graph::Shape{-1, 1}));
  EXPECT_EQ(imported.graph.nodes()[0].attrs.activation, graph::Activation::kRelu);
  expect_round_trip_identical("hello_world_float");
}

TEST(TfliteImporter, VisualWakeWordsFloatRoundTripsIdentically) {
  TINYFORGE_REQUIRE_SHARED();
  const Imported imported = import_tflite(model_path("vww_96_float"));
  EXPECT_EQ(imported.graph.nodes().size(), 31u);
  EXPECT_EQ(imported.graph.value(imported.graph.inputs()[0]).shape, (graph::Shape{-1, 96, 96, 3}));
  expect_round_trip_identical("vww_96_float");
}

TEST(TfliteImporter, HybridKeywordSpottingDequantizesWeights) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path path = model_path("kws_ref_model_float32");
  const std::vector<uint8_t> original = host::read_file(path);
  // Our runtime refuses hybrid models, as TFLite Micro does.
  EXPECT_NE(testing::load_model(original).status, Status::kOk);
  const Imported imported = import_tflite(path);
  const graph::Graph& g = imported.graph;

  // Every int8 weight tensor became scale * (q - zero_point), element for element.
  const ::tflite::Model* m = ::tflite::GetModel(original.data());
  int checked = 0;
  for (const auto* t : *m->subgraphs()->Get(0)->tensors()) {
    if (t->type() != ::tflite::TensorType::INT8) continue;
    const graph::Value* v = nullptr;
    for (const graph::Value& candidate : g.values())
      if (candidate.name == t->name()->str() && candidate.kind == graph::ValueKind::kParameter)
        v = &candidate;
    ASSERT_NE(v, nullptr) << t->name()->str();
    const auto* q = m->buffers()->Get(t->buffer())->data();
    const float scale = t->quantization()->scale()->Get(0);
    ASSERT_EQ(t->quantization()->scale()->size(), 1u);
    ASSERT_EQ(static_cast<size_t>(v->data.size()), q->size());
    for (size_t i = 0; i < q->size(); ++i) {
      ASSERT_EQ(v->data[i], scale * static_cast<float>(static_cast<int8_t>(q->Get(i))));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 5);

  // The round-tripped float file runs and matches the float computation with dequantized weights.
  const std::vector<uint8_t> written = write_tflite(g, {});
  const host::ModelFile file(written.data(), written.size(), "kws round trip");
  for (int seed = 1; seed <= 3; ++seed) {
    host::HostInterpreter interpreter(file);
    const std::vector<uint8_t> input = host::random_input(interpreter.get().input(0), seed, 0);
    const testing::RunResult run = testing::run_model(written, {input});
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    const auto ref = testing::reference_run(g, {from_bytes<float>(input)});
    testing::expect_close(from_bytes<float>(run.outputs[0]), ref.at(g.outputs()[0]).v, 1e-4,
                          "kws seed " + std::to_string(seed));
  }
}

TEST(TfliteImporter, RefusesQuantizedModelsAndUnsupportedOpsByName) {
  TINYFORGE_REQUIRE_SHARED();
  try {
    import_tflite(model_path("vww_96_int8"));
    FAIL() << "expected host::Error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("INT8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("vww_96_int8"), std::string::npos) << e.what();
  }
}

// The training executor's forward pass on an imported model gives the runtime's answer, so a
// pretrained model fine-tunes from exactly what it computes.
void expect_executor_matches_runtime(const std::string& name) {
  Imported imported = import_tflite(model_path(name));
  const std::vector<uint8_t> original = host::read_file(model_path(name));
  const host::ModelFile file(original.data(), original.size(), name);
  train::Executor executor(imported.graph);
  std::mt19937_64 rng(1);
  for (int seed = 1; seed <= 3; ++seed) {
    host::HostInterpreter interpreter(file);
    const std::vector<uint8_t> input = host::random_input(interpreter.get().input(0), seed, 0);
    const testing::RunResult run = testing::run_model(original, {input});
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    graph::Shape shape = imported.graph.value(imported.graph.inputs()[0]).shape;
    shape[0] = 1;
    const std::vector<graph::Tensor>& out =
        executor.forward({graph::Tensor(shape, from_bytes<float>(input))}, false, rng);
    const std::vector<float> want = from_bytes<float>(run.outputs[0]);
    ASSERT_EQ(out[0].values().size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(out[0][i], want[i], 1e-5 * std::max(1.0f, std::abs(want[i])))
          << name << " seed " << seed << " element " << i;
    }
  }
}

TEST(TfliteImporter, ExecutorForwardMatchesRuntimeOnImportedModels) {
  TINYFORGE_REQUIRE_SHARED();
  expect_executor_matches_runtime("hello_world_float");
  expect_executor_matches_runtime("vww_96_float");
}

TEST(TfliteImporter, NamesAnUnsupportedOperator) {
  testing::ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 2, 3});
  const int perm = b.add_constant<int32_t>(DataType::kInt32, {3}, {0, 2, 1});
  const int out = b.add_tensor(DataType::kFloat32, {1, 3, 2});
  b.add_op(::tflite::BuiltinOperator::TRANSPOSE, {in, perm}, {out});
  const std::vector<uint8_t> bytes = b.finish();
  const fs::path path = fs::temp_directory_path() / "tinyforge_tflite_transpose_test.tflite";
  host::write_file(path, bytes.data(), bytes.size());
  try {
    import_tflite(path);
    FAIL() << "expected host::Error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("TRANSPOSE"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

TEST(TfliteImporter, FusedActivationOnPoolBecomesANode) {
  testing::ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 2, 2, 1});
  const int out = b.add_tensor(DataType::kFloat32, {1, 1, 1, 1});
  auto opts = ::tflite::CreatePool2DOptions(b.fbb(), ::tflite::Padding::VALID, 2, 2, 2, 2,
                                            ::tflite::ActivationFunctionType::RELU6)
                  .Union();
  b.add_op(::tflite::BuiltinOperator::MAX_POOL_2D,
           {
               in,
           },
           {out}, ::tflite::BuiltinOptions::Pool2DOptions, opts);
  const std::vector<uint8_t> bytes = b.finish();
  const fs::path path = fs::temp_directory_path() / "tinyforge_tflite_pool_test.tflite";
  host::write_file(path, bytes.data(), bytes.size());
  const Imported imported = import_tflite(path);
  fs::remove(path);
  ASSERT_EQ(imported.graph.nodes().size(), 2u);
  EXPECT_EQ(imported.graph.nodes()[1].type, graph::OpType::kRelu6);
  const std::vector<float> x = {1.0f, 9.0f, -2.0f, 3.0f};
  const testing::RunResult run =
      testing::run_model(write_tflite(imported.graph, {}), {testing::to_bytes(x)});
  ASSERT_EQ(run.status, Status::kOk) << run.message;
  EXPECT_EQ(from_bytes<float>(run.outputs[0]), (std::vector<float>{6.0f}));
}

}  // namespace
}  // namespace tinyforge::tflite
