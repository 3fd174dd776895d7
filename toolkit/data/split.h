// Deterministic stratified splits: each class is divided in the same proportions, from a seed, so
// a run repeats exactly and small classes still reach every split.
#ifndef TINYFORGE_TOOLKIT_DATA_SPLIT_H_
#define TINYFORGE_TOOLKIT_DATA_SPLIT_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct SplitIndices {
  std::vector<int64_t> train, validation, test;  // ascending sample indices
};

// Per class: its samples shuffled by `seed` (and the class index), then round(n * test_fraction)
// go to test, round(n * validation_fraction) to validation, the rest to train. Fractions are in
// [0, 1) with a sum below 1; throws host::Error otherwise.
SplitIndices stratified_split_indices(const Dataset& dataset, double validation_fraction,
                                      double test_fraction, uint64_t seed);

// The same split materialized as three datasets (skipped-sample notes stay with train).
DatasetSplit stratified_split(const Dataset& dataset, double validation_fraction,
                              double test_fraction, uint64_t seed);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_SPLIT_H_
