// The zoo against published figures. Parameter counts include BatchNorm's four vectors per
// channel, as Keras' "Total params" does; MACs count FC and convolutions per sample, as
// `tinyforge inspect` does for a .tflite.
//   mlp, cnn: ../shared/baselines/README.md (PyTorch's parameter counts).
//   ds_cnn, mobilenet_v1 (0.25), resnet8, autoencoder: MLPerf Tiny's Keras models. Their
//   BatchNorm-folded .tflite files in ../shared/conformance (kws_ref_model_float32,
//   vww_96_float, pretrainedResnet_quant, ad01_int8) hold these counts minus BatchNorm (plus 2
//   for the int32[2] shape of Flatten's RESHAPE, which `inspect` counts), and exactly these MACs.
#include "toolkit/zoo/zoo.h"

#include <gtest/gtest.h>

#include "toolkit/host/error.h"

namespace tinyforge::zoo {
namespace {

int64_t batch_norm_elements(const graph::Graph& g) {
  int64_t n = 0;
  for (const graph::Node& node : g.nodes()) {
    if (node.type != graph::OpType::kBatchNorm) continue;
    for (size_t i = 1; i < node.inputs.size(); ++i) n += g.value(node.inputs[i]).data.size();
  }
  return n;
}

struct Published {
  const char* name;
  int64_t params;
  int64_t params_without_batch_norm;  // as in the folded .tflite
  int64_t macs;
  graph::Shape output;
};

void PrintTo(const Published& p, std::ostream* os) { *os << p.name; }

class ZooCounts : public testing::TestWithParam<Published> {};

TEST_P(ZooCounts, MatchPublished) {
  const Published& p = GetParam();
  graph::Graph g = build(p.name, {});
  EXPECT_EQ(g.parameter_count(), p.params) << p.name;
  EXPECT_EQ(g.parameter_count() - batch_norm_elements(g), p.params_without_batch_norm) << p.name;
  EXPECT_EQ(g.macs(), p.macs) << p.name;
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).shape, p.output) << p.name;
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, ZooCounts,
    testing::Values(Published{"mlp", 101770, 101770, 101632, {-1, 10}},
                    Published{"cnn", 105866, 105866, 1117056, {-1, 10}},
                    Published{"ds_cnn", 24908, 22604, 2656768, {-1, 12}},
                    Published{"mobilenet_v1", 221794, 210850, 7489664, {-1, 2}},
                    Published{"resnet8", 78666, 77706, 12501632, {-1, 10}},
                    Published{"autoencoder", 269992, 265864, 264192, {-1, 640}}),
    [](const testing::TestParamInfo<Published>& info) { return std::string(info.param.name); });

TEST(Zoo, OptionsChangeTheArchitecture) {
  ModelOptions o;
  o.input_shape = {32, 32, 3};
  o.classes = 5;
  o.hidden = {256, 64};
  graph::Graph g = mlp(o);
  EXPECT_EQ(g.parameter_count(), 3072 * 256 + 256 + 256 * 64 + 64 + 64 * 5 + 5);
  o = {};
  o.width = 0.5f;
  o.classes = 3;
  o.output_softmax = true;
  g = mobilenet_v1(o);
  EXPECT_EQ(g.nodes().back().type, graph::OpType::kSoftmax);
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (graph::Shape{-1, 3}));
  EXPECT_GT(g.parameter_count(), 221794);
}

TEST(Zoo, SeedDrivesTheWeights) {
  ModelOptions a, b;
  a.seed = 1;
  b.seed = 2;
  const graph::Graph ga = cnn(a), ga2 = cnn(a), gb = cnn(b);
  const int w = ga.trainable_parameters()[0];
  EXPECT_EQ(ga.value(w).data.values(), ga2.value(w).data.values());
  EXPECT_NE(ga.value(w).data.values(), gb.value(w).data.values());
}

TEST(Zoo, UnknownNameListsTheZoo) {
  try {
    build("vgg16", {});
    FAIL();
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("resnet8"), std::string::npos) << e.what();
  }
  ModelOptions o;
  o.input_shape = {784};
  EXPECT_THROW(cnn(o), host::Error);
}

}  // namespace
}  // namespace tinyforge::zoo
