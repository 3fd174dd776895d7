// Post-processing of a box detector (anchor-free, one scale, CenterNet-style): its output is a
// grid [1, rows, cols, classes + 4] at a fixed stride of the input image; per cell the class
// logits (class 0 the background) and the box of the object centred in the cell: its centre's
// offset from the cell's top-left corner (x, y) and its width and height, all in cells. A cell that
// is an object by the centroid rule (tinyforge/centroids.h: the best class is an object class at
// or above the threshold, no neighbour of its class outscores it) gives one box; non-maximum
// suppression then drops a box that overlaps a higher-scoring box of its class by more than the
// IoU threshold. Integer arithmetic after each value's one rounding, no heap: host and device find
// the same boxes from the same outputs.
#ifndef TINYFORGE_BOXES_H_
#define TINYFORGE_BOXES_H_

#include <stdint.h>

#include "tinyforge/postprocess.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// Classes (background included) the decoder handles.
constexpr int kMaxBoxClasses = 32;
// Values per cell after the class logits: x and y offset, width, height (cells).
constexpr int kBoxValues = 4;
// Candidate boxes (cells that pass the threshold) suppression considers, the highest scores
// first; lower ones beyond this are dropped. Their scratch lives on the stack (~40 bytes each).
constexpr int kMaxBoxCandidates = 64;

struct BoxObject {
  int label = 0;      // class index, >= 1
  int32_t score = 0;  // the cell's softmax probability of `label`, Q16
  int row = 0, col = 0;
  // Corners in input pixels (rounded to the nearest, clamped to the image); xmin < xmax and
  // ymin < ymax.
  int xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};

struct BoxOptions {
  int classes = 0;                        // class logits per cell (background included)
  int32_t threshold = kScoreOne / 2;      // Q16 probability an object's cell must reach
  int32_t iou_threshold = kScoreOne / 2;  // Q16: a box overlapping a better one more is dropped
  int input_width = 0, input_height = 0;  // the model's input image
};

// Decodes `outputs` (float32, int8, uint8 or int16; rank 3 [rows, cols, classes + 4] or 4 with a
// leading 1) into at most `max_objects` boxes after suppression, the highest scores first (ties
// in raster order); *count is how many were written, *found how many survived suppression (may
// exceed max_objects; may be null). A box that rounds to no area is dropped. kInvalidArgument for
// another shape, or classes outside 2..kMaxBoxClasses.
Status decode_boxes(const TensorView& outputs, const BoxOptions& options, BoxObject* objects,
                    int max_objects, int* count, int* found);

// The intersection over union of two boxes as a Q16 fraction (rounded down); 0 for no overlap.
int32_t box_iou_q16(const BoxObject& a, const BoxObject& b);

}  // namespace tinyforge

#endif  // TINYFORGE_BOXES_H_
