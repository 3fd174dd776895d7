#include "toolkit/tune/pareto.h"

namespace tinyforge::tune {
namespace {

// a is at least as good as b everywhere and better somewhere.
bool dominates(const ParetoPoint& a, const ParetoPoint& b) {
  const bool no_worse = a.accuracy_pct >= b.accuracy_pct && a.arena_bytes <= b.arena_bytes &&
                        a.flash_bytes <= b.flash_bytes && a.latency_ms <= b.latency_ms;
  const bool better = a.accuracy_pct > b.accuracy_pct || a.arena_bytes < b.arena_bytes ||
                      a.flash_bytes < b.flash_bytes || a.latency_ms < b.latency_ms;
  return no_worse && better;
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& points) {
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j)
      dominated = j != i && dominates(points[j], points[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

}  // namespace tinyforge::tune
