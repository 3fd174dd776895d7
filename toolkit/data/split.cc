#include "toolkit/data/split.h"

#include <algorithm>
#include <cmath>

#include "toolkit/data/random.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

SplitIndices stratified_split_indices(const Dataset& dataset, double validation_fraction,
                                      double test_fraction, uint64_t seed) {
  if (!(validation_fraction >= 0 && test_fraction >= 0 &&
        validation_fraction + test_fraction < 1)) {
    throw host::Error("splits: validation (" + std::to_string(validation_fraction) +
                      ") and test (" + std::to_string(test_fraction) +
                      ") must be fractions >= 0 with a sum below 1");
  }
  std::vector<std::vector<int64_t>> by_class(dataset.num_classes());
  for (int64_t i = 0; i < dataset.size(); ++i) by_class[dataset.label(i)].push_back(i);
  SplitIndices out;
  for (size_t k = 0; k < by_class.size(); ++k) {
    std::vector<int64_t>& members = by_class[k];
    Rng rng(derive_seed(seed, k));
    shuffle(std::span<int64_t>(members), rng);
    const double n = static_cast<double>(members.size());
    const size_t n_test = static_cast<size_t>(std::llround(n * test_fraction));
    const size_t n_val = std::min(members.size() - n_test,
                                  static_cast<size_t>(std::llround(n * validation_fraction)));
    out.test.insert(out.test.end(), members.begin(), members.begin() + n_test);
    out.validation.insert(out.validation.end(), members.begin() + n_test,
                          members.begin() + n_test + n_val);
    out.train.insert(out.train.end(), members.begin() + n_test + n_val, members.end());
  }
  // Ascending order keeps each split in file order; shuffling is the batcher's job.
  for (auto* v : {&out.train, &out.validation, &out.test}) std::sort(v->begin(), v->end());
  return out;
}

DatasetSplit stratified_split(const Dataset& dataset, double validation_fraction,
                              double test_fraction, uint64_t seed) {
  SplitIndices indices =
      stratified_split_indices(dataset, validation_fraction, test_fraction, seed);
  DatasetSplit split;
  split.train = dataset.subset(indices.train);
  split.validation = dataset.subset(indices.validation);
  split.test = dataset.subset(indices.test);
  split.train.skipped = dataset.skipped;
  return split;
}

}  // namespace tinyforge::data
