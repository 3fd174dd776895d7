// A fast kernel keeps the reference kernel of its operator as the fallback, chosen per node in
// prepare(): its first persistent allocation is a small header, then the reference prepare() runs
// (checking the operator and precomputing the multipliers both paths use), so the reference
// state sits right after the header.
#ifndef TINYFORGE_KERNELS_ARM_FALLBACK_H_
#define TINYFORGE_KERNELS_ARM_FALLBACK_H_

#include <stdint.h>

#include "kernels/kernel.h"

namespace tinyforge {
namespace fast {

struct FallbackHeader {
  void* reference_state;  // the reference kernel's first persistent allocation
  bool use_fast_path;
  bool short_accumulators;  // the node's accumulators are bounded (arm/requantize.h)
};

// Allocates a header of `header_size` bytes that starts with a FallbackHeader (null while
// sizing) and runs `reference.prepare`; the fast path is off until the caller turns it on.
inline Status prepare_header_and_reference(PrepareContext& ctx, const KernelRegistration& reference,
                                           size_t header_size, FallbackHeader** header) {
  *header = static_cast<FallbackHeader*>(ctx.allocate_persistent(header_size));
  const size_t header_bytes = ctx.persistent_used();
  // The reference kernel's in-place offers stand unless the caller takes its fast path with
  // use_fast_path(), which withdraws them.
  const Status s = reference.prepare(ctx);
  if (*header != nullptr) {
    (*header)->reference_state = reinterpret_cast<uint8_t*>(*header) + header_bytes;
    (*header)->use_fast_path = false;
    (*header)->short_accumulators = false;
  }
  return s;
}

inline Status prepare_with_reference(PrepareContext& ctx, const KernelRegistration& reference,
                                     FallbackHeader** header) {
  return prepare_header_and_reference(ctx, reference, sizeof(FallbackHeader), header);
}

// Turns the fast path on (the header is null while sizing) and withdraws the reference kernel's
// in-place offers, which were made for the reference loop order: a fast kernel whose order differs
// offers its own after this.
inline void use_fast_path(PrepareContext& ctx, FallbackHeader* header) {
  ctx.forbid_in_place();
  if (header != nullptr) header->use_fast_path = true;
}

inline Status eval_reference(EvalContext& ctx, const KernelRegistration& reference) {
  EvalContext inner = ctx.with_persistent(ctx.persistent<FallbackHeader>()->reference_state);
  return reference.eval(inner);
}

}  // namespace fast
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_ARM_FALLBACK_H_
