#include "tinyforge/centroids.h"

#include "postprocess/cell_grid.h"

namespace tinyforge {

static_assert(kMaxCentroidClasses == detail::kMaxGridClasses, "one class limit for the decoders");

Status decode_centroids(const TensorView& scores, const CentroidOptions& options,
                        CentroidObject* objects, int max_objects, int* count, int* found) {
  if (count == nullptr || (objects == nullptr && max_objects > 0) || max_objects < 0)
    return Status::kInvalidArgument;
  *count = 0;
  if (found != nullptr) *found = 0;
  detail::CellGrid g;
  const Status status = detail::make_cell_grid(scores, 0, 0, &g);
  if (status != Status::kOk) return status;
  for (int row = 0; row < g.rows; ++row) {
    for (int col = 0; col < g.cols; ++col) {
      CentroidObject object;
      if (!detail::is_peak(g, row, col, options.threshold, &object.label, &object.score)) continue;
      object.row = row;
      object.col = col;
      object.x = static_cast<int>((2 * static_cast<int64_t>(col) + 1) * options.input_width /
                                  (2 * g.cols));
      object.y = static_cast<int>((2 * static_cast<int64_t>(row) + 1) * options.input_height /
                                  (2 * g.rows));
      if (found != nullptr) ++*found;
      detail::insert_by_score(objects, max_objects, count, object);
    }
  }
  return Status::kOk;
}

}  // namespace tinyforge
