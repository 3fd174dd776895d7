#include "tinyforge/boxes.h"

#include "postprocess/cell_grid.h"

namespace tinyforge {

static_assert(kMaxBoxClasses == detail::kMaxGridClasses, "one class limit for the decoders");

namespace {

// numerator / denominator rounded to the nearest integer (halves up); denominator > 0.
int64_t divide_rounded(int64_t numerator, int64_t denominator) {
  const int64_t twice = 2 * numerator + denominator;
  const int64_t d = 2 * denominator;
  return twice >= 0 ? twice / d : -((-twice + d - 1) / d);
}

int clamp(int64_t v, int lo, int hi) { return static_cast<int>(v < lo ? lo : (v > hi ? hi : v)); }

// One corner coordinate: (2 * cells_q16 +/- size_q16) / 2 cells of the grid mapped to `pixels`.
int corner(int64_t twice_q16, int pixels, int cells) {
  return clamp(divide_rounded(twice_q16 * pixels, 2 * static_cast<int64_t>(cells) * kScoreOne), 0,
               pixels);
}

// The box of an object cell from its four values; false when it has no area in pixels.
bool cell_box(const detail::CellGrid& g, const BoxOptions& options, BoxObject* box) {
  const int32_t dx = detail::cell_value_q16(g, box->row, box->col, g.classes);
  const int32_t dy = detail::cell_value_q16(g, box->row, box->col, g.classes + 1);
  int32_t w = detail::cell_value_q16(g, box->row, box->col, g.classes + 2);
  int32_t h = detail::cell_value_q16(g, box->row, box->col, g.classes + 3);
  if (w < 0) w = 0;
  if (h < 0) h = 0;
  const int64_t cx2 = 2 * (static_cast<int64_t>(box->col) * kScoreOne + dx);
  const int64_t cy2 = 2 * (static_cast<int64_t>(box->row) * kScoreOne + dy);
  box->xmin = corner(cx2 - w, options.input_width, g.cols);
  box->xmax = corner(cx2 + w, options.input_width, g.cols);
  box->ymin = corner(cy2 - h, options.input_height, g.rows);
  box->ymax = corner(cy2 + h, options.input_height, g.rows);
  return box->xmin < box->xmax && box->ymin < box->ymax;
}

int64_t area(const BoxObject& b) {
  return static_cast<int64_t>(b.xmax - b.xmin) * (b.ymax - b.ymin);
}

}  // namespace

int32_t box_iou_q16(const BoxObject& a, const BoxObject& b) {
  const int x0 = a.xmin > b.xmin ? a.xmin : b.xmin, x1 = a.xmax < b.xmax ? a.xmax : b.xmax;
  const int y0 = a.ymin > b.ymin ? a.ymin : b.ymin, y1 = a.ymax < b.ymax ? a.ymax : b.ymax;
  if (x1 <= x0 || y1 <= y0) return 0;
  const int64_t inter = static_cast<int64_t>(x1 - x0) * (y1 - y0);
  const int64_t both = area(a) + area(b) - inter;
  return static_cast<int32_t>(inter * kScoreOne / both);
}

Status decode_boxes(const TensorView& outputs, const BoxOptions& options, BoxObject* objects,
                    int max_objects, int* count, int* found) {
  if (count == nullptr || (objects == nullptr && max_objects > 0) || max_objects < 0)
    return Status::kInvalidArgument;
  *count = 0;
  if (found != nullptr) *found = 0;
  if (options.classes < 2) return Status::kInvalidArgument;
  detail::CellGrid g;
  const Status status = detail::make_cell_grid(outputs, options.classes, kBoxValues, &g);
  if (status != Status::kOk) return status;
  BoxObject candidates[kMaxBoxCandidates];
  int candidate_count = 0;
  for (int row = 0; row < g.rows; ++row) {
    for (int col = 0; col < g.cols; ++col) {
      BoxObject box;
      if (!detail::is_peak(g, row, col, options.threshold, &box.label, &box.score)) continue;
      box.row = row;
      box.col = col;
      if (cell_box(g, options, &box))
        detail::insert_by_score(candidates, kMaxBoxCandidates, &candidate_count, box);
    }
  }
  // Greedy suppression, best first: a box survives unless a survivor of its class overlaps it by
  // more than the threshold. Survivors are compacted to the front of the candidates.
  int kept = 0;
  for (int i = 0; i < candidate_count; ++i) {
    bool suppressed = false;
    for (int j = 0; j < kept && !suppressed; ++j) {
      suppressed = candidates[j].label == candidates[i].label &&
                   box_iou_q16(candidates[j], candidates[i]) > options.iou_threshold;
    }
    if (!suppressed) candidates[kept++] = candidates[i];
  }
  for (; *count < kept && *count < max_objects; ++*count) objects[*count] = candidates[*count];
  if (found != nullptr) *found = kept;
  return Status::kOk;
}

}  // namespace tinyforge
