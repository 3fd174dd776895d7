#include "toolkit/train/centroid_targets.h"

#include <algorithm>
#include <cmath>

namespace tinyforge::train {

int64_t cell_of(const CellGrid& grid, float x, float y) {
  const int64_t col = std::clamp<int64_t>(
      static_cast<int64_t>(std::floor(x * grid.cols / grid.image_width)), 0, grid.cols - 1);
  const int64_t row = std::clamp<int64_t>(
      static_cast<int64_t>(std::floor(y * grid.rows / grid.image_height)), 0, grid.rows - 1);
  return row * grid.cols + col;
}

std::vector<int> cell_owners(const std::vector<data::Box>& boxes, const CellGrid& grid) {
  const int64_t cells = grid.rows * grid.cols;
  std::vector<int> owners(static_cast<size_t>(cells), -1);
  std::vector<float> area(static_cast<size_t>(cells), 0.0f);
  for (size_t k = 0; k < boxes.size(); ++k) {
    const data::Box& box = boxes[k];
    const int64_t cell = cell_of(grid, box.centre_x(), box.centre_y());
    const float a = (box.xmax - box.xmin) * (box.ymax - box.ymin);
    if (a <= area[cell]) continue;
    area[cell] = a;
    owners[cell] = static_cast<int>(k);
  }
  return owners;
}

std::vector<int> centroid_cell_labels(const std::vector<std::vector<data::Box>>& boxes,
                                      const CellGrid& grid) {
  std::vector<int> labels;
  labels.reserve(boxes.size() * static_cast<size_t>(grid.rows * grid.cols));
  for (const std::vector<data::Box>& image : boxes)
    for (int owner : cell_owners(image, grid)) labels.push_back(owner < 0 ? 0 : image[owner].label);
  return labels;
}

std::vector<float> centroid_class_weights(const data::Dataset& train, const CellGrid& grid,
                                          float max_weight) {
  std::vector<int64_t> counts(static_cast<size_t>(train.num_classes()), 0);
  std::vector<std::vector<data::Box>> one(1);
  for (int64_t i = 0; i < train.size(); ++i) {
    one[0] = train.boxes(i);
    for (int label : centroid_cell_labels(one, grid)) ++counts[label];
  }
  std::vector<float> weights(counts.size(), 0.0f);
  weights[0] = 1.0f;
  for (size_t k = 1; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    const double ratio = static_cast<double>(std::max<int64_t>(counts[0], 1)) / counts[k];
    weights[k] = static_cast<float>(std::min<double>(std::sqrt(ratio), max_weight));
  }
  return weights;
}

}  // namespace tinyforge::train
