// What the signal kernels share in prepare(): their FlexBuffers options read and range-checked,
// and checks of operand counts, dtypes and shapes with messages that name the operand.
#ifndef TINYFORGE_SIGNAL_CUSTOM_OPTIONS_H_
#define TINYFORGE_SIGNAL_CUSTOM_OPTIONS_H_

#include <stdint.h>

#include "kernels/kernel.h"
#include "signal/flexbuffer_map.h"

namespace tinyforge {
namespace signal {

// Parses the operator's custom options (inline, or stored after the flatbuffer) as a map.
[[gnu::cold]] Status read_options(PrepareContext& ctx, FlexbufferMap* options);
// The integer option `key` in [min, max]; a missing or out-of-range value fails the operator.
[[gnu::cold]] Status int_option(PrepareContext& ctx, const FlexbufferMap& options, const char* key,
                                int64_t min, int64_t max, int32_t* value);
// The same, with `fallback` when the key is absent.
[[gnu::cold]] Status optional_int_option(PrepareContext& ctx, const FlexbufferMap& options,
                                         const char* key, int64_t min, int64_t max,
                                         int32_t fallback, int32_t* value);
// The number option `key` (float or integer) in [min, max]; missing, NaN or out of range fails.
[[gnu::cold]] Status number_option(PrepareContext& ctx, const FlexbufferMap& options,
                                   const char* key, int64_t min, int64_t max, double* value);
// Fails when the options hold a key outside `known` (a misspelt option must not silently fall
// back to its default).
[[gnu::cold]] Status expect_known_keys(PrepareContext& ctx, const FlexbufferMap& options,
                                       const char* const* known, int count);

[[gnu::cold]] Status expect_operands(PrepareContext& ctx, int inputs, int outputs);
// `tensor` (called `what` in messages) has dtype `type` and rank `rank` (-1: any rank >= 1).
[[gnu::cold]] Status expect_tensor(PrepareContext& ctx, const TensorView& tensor, const char* what,
                                   DataType type, int rank);
// `tensor` has `elements` elements.
[[gnu::cold]] Status expect_elements(PrepareContext& ctx, const TensorView& tensor,
                                     const char* what, int64_t elements);

}  // namespace signal
}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_CUSTOM_OPTIONS_H_
