// The persistent state of an MVE kernel: the fallback header first (so fast::eval_reference finds
// the reference kernel's state, which follows it), then what the MVE path precomputes.
#ifndef TINYFORGE_KERNELS_MVE_STATE_H_
#define TINYFORGE_KERNELS_MVE_STATE_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/arm/fallback.h"
#include "kernels/kernel.h"
#include "kernels/quant_math.h"

namespace tinyforge {
namespace mve {

struct MveHeader {
  fast::FallbackHeader fallback;  // first: the reference fallback reads the block as its header
  // Per output channel: bias + input_offset * (sum of the channel's weights), so the inner loops
  // multiply raw int8 inputs (see corrected_bias()).
  int32_t* corrected_bias;
  // DEPTHWISE_CONV_2D with a depth multiplier above 1: the input channel of each output channel.
  uint16_t* input_channel;
};

// As fast::prepare_with_reference, with the larger header: allocates it (null while sizing), runs
// `reference.prepare`, and leaves the fast path off until the caller turns it on.
inline Status prepare_with_reference(PrepareContext& ctx, const KernelRegistration& reference,
                                     MveHeader** header) {
  fast::FallbackHeader* fallback = nullptr;
  const Status s = fast::prepare_header_and_reference(ctx, reference, sizeof(MveHeader), &fallback);
  // `fallback` is MveHeader's first member.
  *header = reinterpret_cast<MveHeader*>(fallback);
  if (*header != nullptr) {
    (*header)->corrected_bias = nullptr;
    (*header)->input_channel = nullptr;
  }
  return s;
}

// As fast::use_fast_path: on, and the reference's in-place offers withdrawn. They hold for its loop
// order, not for the MVE kernels' (several pixels and output channel groups per pass; kws_ref_model
// and person_detect gave wrong outputs on mps3-an547 with them), which offer their own.
inline void use_fast_path(PrepareContext& ctx, MveHeader* header) {
  fast::use_fast_path(ctx, header != nullptr ? &header->fallback : nullptr);
}

// The reference kernel's state of a node whose fast path is on.
template <typename T>
const T& reference_state(const MveHeader& header) {
  return *static_cast<const T*>(header.fallback.reference_state);
}

// Fills out[c] = bias[c] + input_offset * sum_k w(c, k) for `channels` channels, where weight k of
// channel c is filter[c * channel_stride + k * tap_stride], k < taps. Every sum wraps modulo 2^32
// as the reference accumulator does, so a dot product of the raw inputs started from out[c] equals
// the reference's bias + sum_k (x_k + input_offset) * w(c, k) exactly.
inline void corrected_bias(const int32_t* bias, const int8_t* filter, int32_t channels,
                           int32_t taps, int32_t channel_stride, int32_t tap_stride,
                           int32_t input_offset, int32_t* out) {
  for (int32_t c = 0; c < channels; ++c) {
    int32_t sum = 0;
    const int8_t* w = filter + static_cast<int64_t>(c) * channel_stride;
    for (int32_t k = 0; k < taps; ++k)
      sum = wrapping_add(sum, w[static_cast<int64_t>(k) * tap_stride]);
    out[c] = wrapping_add(bias != nullptr ? bias[c] : 0, wrapping_mul(input_offset, sum));
  }
}

// Allocates header->corrected_bias (channels values; nothing while sizing) and fills it.
inline void allocate_corrected_bias(PrepareContext& ctx, MveHeader* header, const TensorView& bias,
                                    const TensorView& filter, int32_t channels, int32_t taps,
                                    int32_t channel_stride, int32_t tap_stride,
                                    int32_t input_offset) {
  int32_t* out = ctx.allocate_persistent<int32_t>(static_cast<size_t>(channels));
  if (header == nullptr || out == nullptr) return;
  header->corrected_bias = out;
  corrected_bias(bias.present() ? bias.as<int32_t>() : nullptr, filter.as<int8_t>(), channels, taps,
                 channel_stride, tap_stride, input_offset, out);
}

// Whether the node's weights (and bias) are constants, so prepare can fold the input offset.
inline bool constant_weights(const TensorView& filter, const TensorView& bias) {
  return filter.is_constant && (!bias.present() || bias.is_constant);
}

}  // namespace mve
}  // namespace tinyforge

#endif  // TINYFORGE_KERNELS_MVE_STATE_H_
