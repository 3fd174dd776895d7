#include "toolkit/train/box_targets.h"

#include <cmath>

namespace tinyforge::train {

BoxTargets box_cell_targets(const std::vector<std::vector<data::Box>>& boxes,
                            const CellGrid& grid) {
  const int64_t cells = grid.rows * grid.cols;
  BoxTargets t;
  t.labels = centroid_cell_labels(boxes, grid);
  t.box.assign(t.labels.size() * kBoxTargetValues, 0.0f);
  const float cell_w = static_cast<float>(grid.image_width) / static_cast<float>(grid.cols);
  const float cell_h = static_cast<float>(grid.image_height) / static_cast<float>(grid.rows);
  for (size_t i = 0; i < boxes.size(); ++i) {
    const std::vector<int> owners = cell_owners(boxes[i], grid);
    for (int64_t cell = 0; cell < cells; ++cell) {
      if (owners[cell] < 0) continue;
      const data::Box& b = boxes[i][owners[cell]];
      float* v = &t.box[(i * cells + cell) * kBoxTargetValues];
      v[0] = b.centre_x() / cell_w - static_cast<float>(cell % grid.cols);
      v[1] = b.centre_y() / cell_h - static_cast<float>(cell / grid.cols);
      v[2] = (b.xmax - b.xmin) / cell_w;
      v[3] = (b.ymax - b.ymin) / cell_h;
    }
  }
  return t;
}

LossOutput box_detection_loss(const graph::Tensor& output, const BoxTargets& targets,
                              const CrossEntropyOptions& options, float box_weight) {
  const int64_t channels = output.dim(-1);
  const int64_t classes = channels - kBoxTargetValues;
  const int64_t cells = output.size() / channels;
  graph::Tensor logits({cells, classes});
  for (int64_t c = 0; c < cells; ++c)
    for (int64_t k = 0; k < classes; ++k) logits[c * classes + k] = output[c * channels + k];
  LossOutput ce = softmax_cross_entropy(logits, targets.labels, options);
  LossOutput out;
  out.grad = graph::Tensor(output.shape());
  int64_t objects = 0;
  for (int64_t c = 0; c < cells; ++c) objects += targets.labels[c] != 0;
  double l1 = 0;
  for (int64_t c = 0; c < cells; ++c) {
    for (int64_t k = 0; k < classes; ++k) out.grad[c * channels + k] = ce.grad[c * classes + k];
    if (targets.labels[c] == 0) continue;
    for (int v = 0; v < kBoxTargetValues; ++v) {
      const float d = output[c * channels + classes + v] - targets.box[c * kBoxTargetValues + v];
      l1 += std::abs(d);
      const float sign = d > 0 ? 1.0f : (d < 0 ? -1.0f : 0.0f);
      out.grad[c * channels + classes + v] = box_weight * sign / static_cast<float>(objects);
    }
  }
  out.loss = ce.loss + (objects > 0 ? box_weight * l1 / static_cast<double>(objects) : 0.0);
  return out;
}

}  // namespace tinyforge::train
