// Deterministic splits that never divide a group and keep the classes' proportions: every group
// (a recording, a speaker; a sample that has none is its own) goes wholly to one split, groups are
// stratified by class, and the draw comes from a seed, so a run repeats exactly.
#ifndef TINYFORGE_TOOLKIT_DATA_SPLIT_H_
#define TINYFORGE_TOOLKIT_DATA_SPLIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct SplitIndices {
  std::vector<int64_t> train, validation, test;  // ascending sample indices
};

// Each group is filed under its class (the label most of its samples carry, the lowest on a tie;
// regression has one bucket). Per class its G groups are shuffled by `seed` (and the class
// index), then round(G * test_fraction) go to test, round(G * validation_fraction) to
// validation, the rest to train, with every sample of a group following it. A class with at least
// two groups gets one in each requested split when rounding would give none, as far as that
// leaves train at least one (train first, then test, then validation). With one group per sample
// this is the plain stratified split of samples. Only the samples in `among` take part when it is
// given (the rest of the dataset is ignored). Fractions are in [0, 1) with a sum below 1; throws
// host::Error otherwise.
SplitIndices stratified_split_indices(const Dataset& dataset, double validation_fraction,
                                      double test_fraction, uint64_t seed,
                                      const std::vector<int64_t>* among = nullptr);

// The split materialized as three datasets (skipped-sample notes stay with train).
DatasetSplit split_dataset(const Dataset& dataset, const SplitIndices& indices);
DatasetSplit stratified_split(const Dataset& dataset, double validation_fraction,
                              double test_fraction, uint64_t seed);

// One warning per class that has samples but none in a split that was asked for (validation
// and/or test), saying how many groups the class has: too few groups for the fractions is the
// usual cause, and a group is never divided to fill a split. One per class without a training
// sample (lists or a separate test set can take all of a class). For regression, a warning per
// empty requested split.
std::vector<std::string> missing_class_warnings(const DatasetSplit& split, bool want_validation,
                                                bool want_test);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_SPLIT_H_
