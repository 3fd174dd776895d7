#include "postprocess/cell_grid.h"

#include "tinyforge/postprocess.h"

namespace tinyforge {
namespace detail {

Status make_cell_grid(const TensorView& outputs, int classes, int extra, CellGrid* grid) {
  const bool batched = outputs.rank == 4 && outputs.dim(0) == 1;
  if ((outputs.rank != 3 && !batched) || outputs.data == nullptr) return Status::kInvalidArgument;
  const int first = batched ? 1 : 0;
  grid->outputs = &outputs;
  grid->rows = outputs.dim(first);
  grid->cols = outputs.dim(first + 1);
  grid->channels = outputs.dim(first + 2);
  grid->classes = classes > 0 ? classes : grid->channels;
  if (grid->classes < 2 || grid->classes > kMaxGridClasses ||
      grid->channels != grid->classes + extra || grid->rows <= 0 || grid->cols <= 0)
    return Status::kInvalidArgument;
  return Status::kOk;
}

int32_t cell_value_q16(const CellGrid& g, int row, int col, int channel) {
  const int64_t base = (static_cast<int64_t>(row) * g.cols + col) * g.channels;
  return score_q16(*g.outputs, base + channel);
}

void classify_cell(const CellGrid& g, int row, int col, int* label, int32_t* probability) {
  int32_t logits[kMaxGridClasses];
  int best = 0;
  for (int k = 0; k < g.classes; ++k) {
    logits[k] = cell_value_q16(g, row, col, k);
    if (logits[k] > logits[best]) best = k;
  }
  softmax_q16(logits, g.classes, logits);
  *label = best;
  *probability = logits[best];
}

bool is_peak(const CellGrid& g, int row, int col, int32_t threshold, int* label,
             int32_t* probability) {
  classify_cell(g, row, col, label, probability);
  if (*label == 0 || *probability < threshold) return false;
  for (int dr = -1; dr <= 1; ++dr) {
    for (int dc = -1; dc <= 1; ++dc) {
      const int r = row + dr, c = col + dc;
      if ((dr == 0 && dc == 0) || r < 0 || c < 0 || r >= g.rows || c >= g.cols) continue;
      int other_label = 0;
      int32_t other = 0;
      classify_cell(g, r, c, &other_label, &other);
      if (other_label != *label) continue;
      const bool earlier = dr < 0 || (dr == 0 && dc < 0);
      if (other > *probability || (other == *probability && earlier)) return false;
    }
  }
  return true;
}

}  // namespace detail
}  // namespace tinyforge
