// Patch-based execution (MCUNetV2): a chain of sliding-window operators (CONV_2D,
// DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D) at consecutive positions of the execution order
// runs band by band of the last operator's output rows. For each band, every operator of the
// chain produces only the rows the next one reads, so the tensors inside the chain never exist
// whole: each has a buffer of its largest band. The bands of a tensor overlap by the receptive
// field of what follows; rather than computing the overlap again (MCUNetV2's choice), a band
// keeps the rows the previous band computed, moved to the front of the buffer, and computes only
// the new ones: no multiply-accumulate is repeated, and the plan reports the bytes moved.
//
// A band is exact: each kernel sees its rows as a whole image with the padding shifted
// (RowBand in kernels/kernel.h), and the rows a window reads outside the band are exactly the
// ones outside the image, which the kernels skip as padding either way.
#ifndef TINYFORGE_PLAN_PATCH_STAGE_H_
#define TINYFORGE_PLAN_PATCH_STAGE_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernel.h"
#include "tinyforge/model.h"

namespace tinyforge {

constexpr int kMaxPatchOps = 8;

// How one operator's output rows depend on its input rows (NHWC, batch 1).
struct RowGeometry {
  int32_t in_h, out_h;
  int32_t stride, pad, extent;  // extent: rows one window spans, (filter_h - 1) * dilation + 1
  uint32_t in_row_bytes, out_row_bytes;
};

// The geometry of operator `op` if it can run in bands (a sliding-window operator on one image
// with one output); false otherwise.
bool row_geometry(const Model& model, int op, RowGeometry* g);

// The input rows [*begin, *end) that output rows [out_begin, out_end) read, clipped to the image.
void input_rows(const RowGeometry& g, int32_t out_begin, int32_t out_end, int32_t* begin,
                int32_t* end);

// One stage: operators at positions first .. first + ops - 1 of the execution order, each reading
// the previous one's output 0 as its input 0, run in `tiles` bands of the last one's output rows.
// Only rows[0 .. ops - 1] are used (stage_bytes() of them are kept in the arena).
struct PatchStage {
  int16_t first;
  int16_t ops;  // 0: no stage
  int16_t tiles;
  int16_t unused_;
  RowGeometry rows[kMaxPatchOps];
};

// Bytes of a stage of `ops` operators up to its last used row geometry.
size_t stage_bytes(int ops);

// The rows band `band` needs: rows[0] of the stage's input, rows[j + 1] of operator j's output.
struct BandRows {
  int32_t begin[kMaxPatchOps + 1];
  int32_t end[kMaxPatchOps + 1];
};
void band_rows(const PatchStage& stage, int band, BandRows* rows);

// The first row of operator j's output that band `rows` computes: the rows before it were
// computed by the band before (`previous`, null for the first band) and are kept. The last
// operator's bands do not overlap.
int32_t first_new_row(const BandRows& rows, const BandRows* previous, int j);

// Operator j computing its output rows [new_row, rows.end[j + 1]) of band `rows`, as its kernel
// sees it; *in_begin is the first input row it reads.
RowBand row_band(const PatchStage& stage, const BandRows& rows, int j, int32_t new_row,
                 int32_t* in_begin);

// Bytes of the buffer of operator j's output (j < ops - 1): its largest band.
uint32_t band_buffer_bytes(const PatchStage& stage, int j);

// Bytes of kept rows moved to the front of the band buffers in one inference.
uint64_t moved_bytes(const PatchStage& stage);

}  // namespace tinyforge

#endif  // TINYFORGE_PLAN_PATCH_STAGE_H_
