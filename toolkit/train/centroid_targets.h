// What a centroid detector learns (FOMO-style): its output is a grid of per-cell class logits, and
// the target of a cell is the class of the object whose box centre falls in it, else background
// (class 0). Objects are a few cells among many, so their classes are weighted up.
#ifndef TINYFORGE_TOOLKIT_TRAIN_CENTROID_TARGETS_H_
#define TINYFORGE_TOOLKIT_TRAIN_CENTROID_TARGETS_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/dataset.h"
#include "toolkit/data/detection.h"

namespace tinyforge::train {

struct CellGrid {
  int64_t rows = 0, cols = 0;                 // the output's cells
  int64_t image_height = 0, image_width = 0;  // the input's pixels they cover
};

// The cell a point (in input pixels) falls in, clamped to the grid.
int64_t cell_of(const CellGrid& grid, float x, float y);

// Per cell of one image (raster order), the index of the box whose centre falls in it, -1 for
// none; of two centres in one cell, the larger box.
std::vector<int> cell_owners(const std::vector<data::Box>& boxes, const CellGrid& grid);

// One label per cell of every image, image after image (rows * cols each, raster order). Two
// centres in one cell: the larger box's class.
std::vector<int> centroid_cell_labels(const std::vector<std::vector<data::Box>>& boxes,
                                      const CellGrid& grid);

// Cross-entropy weights for a detection set's classes on `grid`: background 1, an object class
// sqrt(background cells / its cells), capped at `max_weight` (0 for a class without objects).
// The square root keeps a rare class from flooding the map with false positives, as the fully
// balanced weights would.
std::vector<float> centroid_class_weights(const data::Dataset& train, const CellGrid& grid,
                                          float max_weight = 100.0f);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_CENTROID_TARGETS_H_
