// The model zoo: architectures from published recipes, each a function from options to a Graph
// built with train::LayerBuilder. Classifiers end in logits (the cross-entropy loss applies the
// softmax) unless `output_softmax` asks for the softmax node the published Keras models end with.
//
//   mlp          Flatten -> Dense(128, relu) -> Dense(classes)        (baselines: 101,770 params)
//   cnn          Conv(16,3,same,relu) -> MaxPool 2 -> Conv(32,3,same,relu) -> MaxPool 2 ->
//                Flatten -> Dense(64, relu) -> Dense(classes)          (baselines: 105,866 params)
//   ds_cnn       MLPerf Tiny keyword spotting: Conv(64,10x4,s2) + 4 depthwise-separable blocks,
//                BatchNorm and ReLU after each conv, average pool, Dense(12)
//   mobilenet_v1 MLPerf Tiny visual wake words: MobileNetV1 with width multiplier (0.25, 96x96x3)
//   resnet8      MLPerf Tiny image classification: 3 residual stacks of 16/32/64 filters (32x32x3)
//   autoencoder  MLPerf Tiny anomaly detection: Dense 640->128x4->8->128x4->640 with BatchNorm
//   fomo         centroid detector (FOMO-style): MobileNetV1 (width 0.35) cut at output stride 8,
//                a 1x1 conv (hidden: 32, relu) and a 1x1 conv of per-cell class logits
//   box_detector anchor-free box detector (CenterNet-style): fomo's network whose last 1x1 conv
//                gives per cell the class logits and a box (x, y offset, width, height in cells)
#ifndef TINYFORGE_TOOLKIT_ZOO_ZOO_H_
#define TINYFORGE_TOOLKIT_ZOO_ZOO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "toolkit/graph/graph.h"
#include "toolkit/train/layers.h"

namespace tinyforge::zoo {

// Zero or empty fields take the architecture's published default.
struct ModelOptions {
  graph::Shape input_shape;  // one sample, without the batch (e.g. {28, 28, 1})
  int classes = 0;           // outputs of a classifier
  float width = 0.0f;        // MobileNetV1 width multiplier (alpha)
  std::vector<int> hidden;   // MLP hidden units; CNN's dense units; autoencoder's layer units
  std::vector<int> filters;  // CNN / DS-CNN / ResNet-8 filters per stage
  int bottleneck = 0;        // autoencoder code size
  float dropout = -1.0f;     // where the recipe has dropout; < 0 = the recipe's rate
  bool output_softmax = false;
  uint64_t seed = 0;
  train::Initializer kernel_init = train::Initializer::kDefault;
};

graph::Graph mlp(const ModelOptions& options);
graph::Graph cnn(const ModelOptions& options);
graph::Graph ds_cnn(const ModelOptions& options);
graph::Graph mobilenet_v1(const ModelOptions& options);
graph::Graph resnet8(const ModelOptions& options);
graph::Graph autoencoder(const ModelOptions& options);
graph::Graph fomo(const ModelOptions& options);
graph::Graph box_detector(const ModelOptions& options);

// The zoo by name ("mlp", "cnn", "ds_cnn", "mobilenet_v1", "resnet8", "autoencoder", "fomo",
// "box_detector");
// throws host::Error listing the names otherwise.
graph::Graph build(std::string_view name, const ModelOptions& options);
const std::vector<std::string>& model_names();

}  // namespace tinyforge::zoo

#endif  // TINYFORGE_TOOLKIT_ZOO_ZOO_H_
