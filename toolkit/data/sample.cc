#include "toolkit/data/sample.h"

#include <algorithm>

#include "toolkit/data/random.h"

namespace tinyforge::data {

std::vector<int64_t> stratified_sample_indices(const Dataset& dataset, int64_t count,
                                               uint64_t seed) {
  const int64_t total = dataset.size();
  count = std::clamp<int64_t>(count, 0, total);
  // A regression dataset has no classes: it is one stratum.
  const bool classes = !dataset.is_regression();
  std::vector<std::vector<int64_t>> by_class(classes ? dataset.num_classes() : 1);
  for (int64_t i = 0; i < total; ++i) by_class[classes ? dataset.label(i) : 0].push_back(i);
  // Largest-remainder apportionment of `count` over the classes by size.
  std::vector<int64_t> share(by_class.size());
  std::vector<std::pair<int64_t, size_t>> remainders;  // (remainder * total, class)
  int64_t given = 0;
  for (size_t k = 0; k < by_class.size(); ++k) {
    const int64_t scaled = count * static_cast<int64_t>(by_class[k].size());
    share[k] = total > 0 ? scaled / total : 0;
    given += share[k];
    if (total > 0) remainders.emplace_back(scaled % total, k);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t r = 0; given < count && r < remainders.size(); ++r, ++given)
    ++share[remainders[r].second];
  std::vector<int64_t> chosen;
  for (size_t k = 0; k < by_class.size(); ++k) {
    Rng rng(derive_seed(seed, k));
    shuffle(std::span<int64_t>(by_class[k]), rng);
    chosen.insert(chosen.end(), by_class[k].begin(), by_class[k].begin() + share[k]);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace tinyforge::data
