// Portable random draws over std::mt19937_64. The engine's output sequence is fixed by the C++
// standard, but the std:: distributions and std::shuffle are not, so splits, batch orders and
// augmentations that must repeat exactly across compilers use these instead.
#ifndef TINYFORGE_TOOLKIT_DATA_RANDOM_H_
#define TINYFORGE_TOOLKIT_DATA_RANDOM_H_

#include <cstdint>
#include <random>
#include <span>
#include <utility>

namespace tinyforge::data {

using Rng = std::mt19937_64;

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform integer in [0, n) without modulo bias; n > 0.
inline uint64_t uniform_below(Rng& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // reject the incomplete top range
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

// Uniform integer in [lo, hi] (inclusive).
inline int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(hi - lo) + 1));
}

// Fisher-Yates with uniform_below.
template <typename T>
void shuffle(std::span<T> items, Rng& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[uniform_below(rng, i)]);
  }
}

// A seed for a sub-stream (e.g. epoch k of a run seeded with `seed`): splitmix64 of both, so
// neighbouring seeds give unrelated streams and epoch k's order does not depend on epochs < k
// (a resumed run reproduces it).
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_RANDOM_H_
