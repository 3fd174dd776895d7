// Float storage aligned to 64 bytes. Eigen's vectorized reductions start at the first address
// aligned to a packet (32 bytes with AVX), so a sum over a buffer whose alignment varies from run
// to run is added in a varying order; with every buffer 64-byte aligned the order, and so the
// bits of a training run with a fixed seed, are the same every time.
#ifndef TINYFORGE_TOOLKIT_GRAPH_ALIGNED_STORAGE_H_
#define TINYFORGE_TOOLKIT_GRAPH_ALIGNED_STORAGE_H_

#include <algorithm>
#include <cstddef>
#include <new>
#include <vector>

namespace tinyforge::graph {

inline constexpr std::size_t kStorageAlignment = 64;

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kStorageAlignment}));
  }
  void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{kStorageAlignment}); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};

using FloatStorage = std::vector<float, AlignedAllocator<float>>;

// Found by argument-dependent lookup, so tests can compare storage with plain vectors.
inline bool operator==(const FloatStorage& a, const std::vector<float>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace tinyforge::graph

#endif  // TINYFORGE_TOOLKIT_GRAPH_ALIGNED_STORAGE_H_
