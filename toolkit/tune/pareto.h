// The Pareto front of a search: the trials no other trial beats on every axis at once (higher
// accuracy, smaller arena, smaller flash, lower latency).
#ifndef TINYFORGE_TOOLKIT_TUNE_PARETO_H_
#define TINYFORGE_TOOLKIT_TUNE_PARETO_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tinyforge::tune {

struct ParetoPoint {
  double accuracy_pct = 0;
  uint64_t arena_bytes = 0;
  uint64_t flash_bytes = 0;
  double latency_ms = 0;  // 0 when unmeasured (then it does not decide)
};

// Indices of the non-dominated points, in input order. Equal points are all kept.
std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& points);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_PARETO_H_
