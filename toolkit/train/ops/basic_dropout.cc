// Inverted dropout: in training each element is kept with probability 1 - rate and scaled by
// 1 / (1 - rate), so inference is the identity. The mask (0 or the scale) is saved for backward.
#include <string>

#include "toolkit/host/error.h"
#include "toolkit/train/ops/basic_common.h"
#include "toolkit/train/ops/basic_kernels.h"

namespace tinyforge::train::basic {
namespace {

// SplitMix64's output function (Steele, Lea, Flood 2014): a strong 64-bit mix of a counter.
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15u;  // SplitMix64's state increment

inline uint64_t splitmix64(uint64_t z) {
  z += kGolden;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

void dropout_forward(ForwardContext& ctx) {
  const Tensor& x = *ctx.inputs[0];
  Tensor& y = *ctx.outputs[0];
  ensure_shape(y, x.shape());
  const float rate = ctx.node.attrs.rate;
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw host::Error("node '" + ctx.node.name + "' (Dropout): rate " + std::to_string(rate) +
                      ", expected 0 <= rate < 1");
  }
  if (!ctx.training || rate == 0.0f) {
    ctx.saved.clear();  // backward then passes the gradient straight through
    array(y) = array(x);
    return;
  }
  ctx.saved.resize(1);
  Tensor& mask = ctx.saved[0];
  ensure_shape(mask, x.shape());
  // One draw from ctx.rng keys a counter-based generator (the SplitMix64 sequence): element pair
  // j uses the j-th SplitMix64 output after the key, so the mask is the same for a seed whatever
  // the chunking or thread
  // count, and both cores can fill it. Each 64-bit output gives two 32-bit uniforms; an element
  // survives when its uniform >= rate.
  const uint64_t key = (*ctx.rng)();
  const auto threshold = static_cast<uint64_t>(static_cast<double>(rate) * 4294967296.0);
  const float scale = 1.0f / (1.0f - rate);
  const float* px = x.data();
  float* py = y.data();
  float* pm = mask.data();
  parallel_chunks(mask.size(), [&](int64_t begin, int64_t n) {  // chunks start at even offsets
    float* m = pm + begin;
    const uint64_t first = key + static_cast<uint64_t>(begin / 2) * kGolden;
    for (int64_t j = 0; j < n / 2; ++j) {  // branch-free, so it vectorizes
      const uint64_t bits = splitmix64(first + static_cast<uint64_t>(j) * kGolden);
      m[2 * j] = static_cast<float>((bits & 0xffffffffu) >= threshold) * scale;
      m[2 * j + 1] = static_cast<float>((bits >> 32) >= threshold) * scale;
    }
    if (n % 2) {
      const uint64_t bits = splitmix64(first + static_cast<uint64_t>(n / 2) * kGolden);
      m[n - 1] = static_cast<float>((bits & 0xffffffffu) >= threshold) * scale;
    }
    ArrayMap(py + begin, n) = ConstArrayMap(px + begin, n) * ConstArrayMap(pm + begin, n);
  });
}

void dropout_backward(BackwardContext& ctx) {
  Tensor* gx = ctx.input_grads[0];
  if (!gx) return;
  if (ctx.saved.empty()) {
    array(*gx) += array(*ctx.output_grads[0]);
  } else {
    const float* pg = ctx.output_grads[0]->data();
    const float* pm = ctx.saved[0].data();
    float* pgx = gx->data();
    parallel_chunks(gx->size(), [&](int64_t begin, int64_t n) {
      ArrayMap(pgx + begin, n) += ConstArrayMap(pg + begin, n) * ConstArrayMap(pm + begin, n);
    });
  }
}

}  // namespace

const OpKernel kDropout{dropout_forward, dropout_backward};

}  // namespace tinyforge::train::basic
