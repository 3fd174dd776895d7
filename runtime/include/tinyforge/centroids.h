// Post-processing of a centroid detector (FOMO-style): its output is a grid of per-cell class
// scores [1, rows, cols, classes] with class 0 the background, at a fixed stride of the input
// image. A cell whose most likely class is an object class, with a probability at or above the
// threshold, and which no neighbour of the same class outscores, is one object at the cell's
// centre. Integer arithmetic after each score's one rounding (postprocess.h), no heap: host and
// device find the same objects from the same outputs.
#ifndef TINYFORGE_CENTROIDS_H_
#define TINYFORGE_CENTROIDS_H_

#include <stdint.h>

#include "tinyforge/postprocess.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// Classes (background included) the decoder handles; its scratch lives on the stack.
constexpr int kMaxCentroidClasses = 32;

struct CentroidObject {
  int label = 0;      // class index, >= 1
  int32_t score = 0;  // the cell's softmax probability of `label`, Q16
  int row = 0, col = 0;
  int x = 0, y = 0;  // the cell's centre in input pixels (rounded down)
};

struct CentroidOptions {
  int32_t threshold = kScoreOne / 2;      // Q16 probability an object's cell must reach
  int input_width = 0, input_height = 0;  // the model's input image, for x and y
};

// Decodes `scores` (float32, int8, uint8 or int16; rank 3 [rows, cols, classes] or 4 with a
// leading 1) into at most `max_objects` objects, the highest scores first (ties in raster order);
// *count is how many were written, *found how many there were (may exceed max_objects; may be
// null). kInvalidArgument for another shape or more than kMaxCentroidClasses classes.
Status decode_centroids(const TensorView& scores, const CentroidOptions& options,
                        CentroidObject* objects, int max_objects, int* count, int* found);

}  // namespace tinyforge

#endif  // TINYFORGE_CENTROIDS_H_
