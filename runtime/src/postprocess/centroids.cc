#include "tinyforge/centroids.h"

namespace tinyforge {

namespace {

struct Grid {
  const TensorView* scores;
  int rows, cols, classes;
};

// The cell's most likely class (the lowest index on a tie of the rounded logits) and its
// probability.
void classify_cell(const Grid& g, int row, int col, int* label, int32_t* probability) {
  int32_t logits[kMaxCentroidClasses];
  const int64_t base = (static_cast<int64_t>(row) * g.cols + col) * g.classes;
  int best = 0;
  for (int k = 0; k < g.classes; ++k) {
    logits[k] = score_q16(*g.scores, base + k);
    if (logits[k] > logits[best]) best = k;
  }
  softmax_q16(logits, g.classes, logits);
  *label = best;
  *probability = logits[best];
}

// Whether a neighbour of the same class outscores (row, col): a higher probability, or the same
// one earlier in raster order.
bool outscored(const Grid& g, int row, int col, int label, int32_t probability) {
  for (int dr = -1; dr <= 1; ++dr) {
    for (int dc = -1; dc <= 1; ++dc) {
      const int r = row + dr, c = col + dc;
      if ((dr == 0 && dc == 0) || r < 0 || c < 0 || r >= g.rows || c >= g.cols) continue;
      int other_label = 0;
      int32_t other = 0;
      classify_cell(g, r, c, &other_label, &other);
      if (other_label != label) continue;
      const bool earlier = dr < 0 || (dr == 0 && dc < 0);
      if (other > probability || (other == probability && earlier)) return true;
    }
  }
  return false;
}

// Inserts into the list kept sorted by descending score (ties keep the earlier cell first),
// dropping the lowest when full.
void insert_sorted(CentroidObject* objects, int max_objects, int* count,
                   const CentroidObject& object) {
  int at = *count;
  while (at > 0 && objects[at - 1].score < object.score) --at;
  if (at >= max_objects) return;
  const int last = *count < max_objects ? *count : max_objects - 1;
  for (int i = last; i > at; --i) objects[i] = objects[i - 1];
  objects[at] = object;
  if (*count < max_objects) ++*count;
}

}  // namespace

Status decode_centroids(const TensorView& scores, const CentroidOptions& options,
                        CentroidObject* objects, int max_objects, int* count, int* found) {
  if (count == nullptr || (objects == nullptr && max_objects > 0) || max_objects < 0)
    return Status::kInvalidArgument;
  *count = 0;
  if (found != nullptr) *found = 0;
  const bool batched = scores.rank == 4 && scores.dim(0) == 1;
  if ((scores.rank != 3 && !batched) || scores.data == nullptr) return Status::kInvalidArgument;
  const int first = batched ? 1 : 0;
  const Grid g{&scores, scores.dim(first), scores.dim(first + 1), scores.dim(first + 2)};
  if (g.classes < 2 || g.classes > kMaxCentroidClasses || g.rows <= 0 || g.cols <= 0)
    return Status::kInvalidArgument;
  for (int row = 0; row < g.rows; ++row) {
    for (int col = 0; col < g.cols; ++col) {
      int label = 0;
      int32_t probability = 0;
      classify_cell(g, row, col, &label, &probability);
      if (label == 0 || probability < options.threshold) continue;
      if (outscored(g, row, col, label, probability)) continue;
      CentroidObject object;
      object.label = label;
      object.score = probability;
      object.row = row;
      object.col = col;
      object.x = static_cast<int>((2 * static_cast<int64_t>(col) + 1) * options.input_width /
                                  (2 * g.cols));
      object.y = static_cast<int>((2 * static_cast<int64_t>(row) + 1) * options.input_height /
                                  (2 * g.rows));
      if (found != nullptr) ++*found;
      insert_sorted(objects, max_objects, count, object);
    }
  }
  return Status::kOk;
}

}  // namespace tinyforge
