// A seeded, stratified sample of a dataset: what `eval --limit N` evaluates, so a small sample of
// a class-sorted split still holds every class in its proportion.
#ifndef TINYFORGE_TOOLKIT_DATA_SAMPLE_H_
#define TINYFORGE_TOOLKIT_DATA_SAMPLE_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

// min(count, size) sample indices, ascending. Each class gets its share of `count` in proportion
// to its size (largest remainders round up, ties to the lower class index), its members chosen by
// a shuffle from `seed` and the class index. The same dataset, count and seed give the same
// indices. A regression dataset is one stratum: a seeded uniform sample.
std::vector<int64_t> stratified_sample_indices(const Dataset& dataset, int64_t count,
                                               uint64_t seed);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_SAMPLE_H_
