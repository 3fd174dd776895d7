// What a box detector learns (anchor-free, one scale, CenterNet-style): its output is a grid
// [N, rows, cols, classes + 4]. The class logits of each cell learn the centroid targets
// (centroid_targets.h: the class of the object centred in the cell, else background); the cell
// an object is centred in also learns its box: the centre's offset from the cell's top-left corner
// and the box's width and height, all in cells (the units tinyforge/boxes.h decodes).
#ifndef TINYFORGE_TOOLKIT_TRAIN_BOX_TARGETS_H_
#define TINYFORGE_TOOLKIT_TRAIN_BOX_TARGETS_H_

#include <vector>

#include "toolkit/data/detection.h"
#include "toolkit/graph/tensor.h"
#include "toolkit/train/centroid_targets.h"
#include "toolkit/train/loss.h"

namespace tinyforge::train {

constexpr int kBoxTargetValues = 4;  // x and y offset, width, height
// The box term's weight against the cross-entropy: the class gradient of an object cell is
// divided among every cell of the batch, the box gradient only among the object cells, so the box
// term is scaled down (CenterNet weighs its size loss 0.1) to leave the classes learning.
constexpr float kBoxLossWeight = 0.1f;

struct BoxTargets {
  std::vector<int> labels;  // per cell of every image, as centroid_cell_labels
  std::vector<float> box;   // per cell kBoxTargetValues values (0 where no object is centred)
};

BoxTargets box_cell_targets(const std::vector<std::vector<data::Box>>& boxes, const CellGrid& grid);

// The loss of a box detector's output [N, rows, cols, classes + 4]: the cross-entropy of the
// class logits over every cell (`options`: the class weights) plus `box_weight` times the L1
// distance of the four box values summed, averaged over the cells with an object, and its
// gradient.
LossOutput box_detection_loss(const graph::Tensor& output, const BoxTargets& targets,
                              const CrossEntropyOptions& options, float box_weight = 1.0f);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_BOX_TARGETS_H_
