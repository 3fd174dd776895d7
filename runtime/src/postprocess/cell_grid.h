// What the centroid and box decoders share: a detector's output is a grid of cells
// [1, rows, cols, channels] whose first `classes` channels are class logits (class 0 the
// background); a cell is a candidate object when its most likely class is an object class that no
// neighbour of the same class outscores. Integer arithmetic after each value's one rounding.
#ifndef TINYFORGE_SRC_POSTPROCESS_CELL_GRID_H_
#define TINYFORGE_SRC_POSTPROCESS_CELL_GRID_H_

#include <stdint.h>

#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {
namespace detail {

// Classes the decoders handle; their scratch lives on the stack.
constexpr int kMaxGridClasses = 32;

struct CellGrid {
  const TensorView* outputs = nullptr;
  int rows = 0, cols = 0;
  int classes = 0;   // the class logits at the start of each cell
  int channels = 0;  // values per cell (classes, then any box values)
};

// `outputs` as a grid of `classes` class logits and `extra` values per cell (rank 3, or 4 with a
// leading 1). `classes` 0: every channel is a class. kInvalidArgument for another shape or
// more than kMaxGridClasses classes.
Status make_cell_grid(const TensorView& outputs, int classes, int extra, CellGrid* grid);

// The Q16 value of channel `channel` of a cell.
int32_t cell_value_q16(const CellGrid& g, int row, int col, int channel);

// The cell's most likely class (the lowest index on a tie of the rounded logits) and its Q16
// softmax probability.
void classify_cell(const CellGrid& g, int row, int col, int* label, int32_t* probability);

// Whether the cell is an object of `*label` at `*probability`: an object class at or above
// `threshold` that no neighbour (3x3) of the same class outscores (a higher probability, or the
// same one earlier in raster order).
bool is_peak(const CellGrid& g, int row, int col, int32_t threshold, int* label,
             int32_t* probability);

// Inserts into `objects`, kept sorted by descending score (ties keep the earlier insertion first),
// dropping the lowest when full.
template <typename Object>
void insert_by_score(Object* objects, int max_objects, int* count, const Object& object) {
  int at = *count;
  while (at > 0 && objects[at - 1].score < object.score) --at;
  if (at >= max_objects) return;
  const int last = *count < max_objects ? *count : max_objects - 1;
  for (int i = last; i > at; --i) objects[i] = objects[i - 1];
  objects[at] = object;
  if (*count < max_objects) ++*count;
}

}  // namespace detail
}  // namespace tinyforge

#endif  // TINYFORGE_SRC_POSTPROCESS_CELL_GRID_H_
