#include "toolkit/data/split.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "toolkit/data/random.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace {

struct Groups {
  std::vector<std::vector<int64_t>> members;  // per group, its samples in ascending order
  std::vector<int> bucket;                    // per group, the class it is filed under
};

// The groups of the samples in `among` (all when null), numbered in order of first appearance.
Groups collect_groups(const Dataset& d, const std::vector<int64_t>* among) {
  Groups g;
  std::unordered_map<std::string_view, size_t> index;
  auto visit = [&](int64_t i) {
    auto [it, added] = index.try_emplace(d.group(i), g.members.size());
    if (added) g.members.emplace_back();
    g.members[it->second].push_back(i);
  };
  if (among != nullptr) {
    std::vector<int64_t> sorted = *among;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i : sorted) visit(i);
  } else {
    for (int64_t i = 0; i < d.size(); ++i) visit(i);
  }
  std::vector<int64_t> counts(std::max(d.num_classes(), 1));
  for (const auto& members : g.members) {
    int dominant = 0;
    if (!d.is_regression()) {
      std::fill(counts.begin(), counts.end(), 0);
      for (int64_t i : members) ++counts[d.label(i)];
      dominant = static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    }
    g.bucket.push_back(dominant);
  }
  return g;
}

// How many of G groups go to test and validation (see the header for the rules).
std::pair<size_t, size_t> group_counts(size_t groups, double validation, double test) {
  const double n = static_cast<double>(groups);
  size_t n_test = static_cast<size_t>(std::llround(n * test));
  size_t n_val = static_cast<size_t>(std::llround(n * validation));
  if (test > 0 && n_test == 0 && groups >= 2) n_test = 1;
  if (validation > 0 && n_val == 0 && groups >= 2 + n_test) n_val = 1;
  while (groups > 0 && n_test + n_val >= groups && n_test + n_val > 0) {
    if (n_val > 0) {
      --n_val;
    } else {
      --n_test;
    }
  }
  return {n_test, n_val};
}

std::string never_divided(const std::string& kind) {
  return kind == "sample"
             ? std::string(" (add data or lower data.splits)")
             : " (a " + kind + " is never divided between splits; add data or lower data.splits)";
}

}  // namespace

SplitIndices stratified_split_indices(const Dataset& dataset, double validation_fraction,
                                      double test_fraction, uint64_t seed,
                                      const std::vector<int64_t>* among) {
  if (!(validation_fraction >= 0 && test_fraction >= 0 &&
        validation_fraction + test_fraction < 1)) {
    throw host::Error("splits: validation (" + std::to_string(validation_fraction) +
                      ") and test (" + std::to_string(test_fraction) +
                      ") must be fractions >= 0 with a sum below 1");
  }
  const Groups groups = collect_groups(dataset, among);
  std::vector<std::vector<size_t>> by_bucket(std::max(dataset.num_classes(), 1));
  for (size_t g = 0; g < groups.members.size(); ++g) by_bucket[groups.bucket[g]].push_back(g);
  SplitIndices out;
  auto take = [&](std::vector<int64_t>& split, const std::vector<size_t>& chosen, size_t from,
                  size_t to) {
    for (size_t k = from; k < to; ++k) {
      const auto& members = groups.members[chosen[k]];
      split.insert(split.end(), members.begin(), members.end());
    }
  };
  for (size_t k = 0; k < by_bucket.size(); ++k) {
    std::vector<size_t>& chosen = by_bucket[k];
    Rng rng(derive_seed(seed, k));
    shuffle(std::span<size_t>(chosen), rng);
    const auto [n_test, n_val] = group_counts(chosen.size(), validation_fraction, test_fraction);
    take(out.test, chosen, 0, n_test);
    take(out.validation, chosen, n_test, n_test + n_val);
    take(out.train, chosen, n_test + n_val, chosen.size());
  }
  // Ascending order keeps each split in file order; shuffling is the batcher's job.
  for (auto* v : {&out.train, &out.validation, &out.test}) std::sort(v->begin(), v->end());
  return out;
}

DatasetSplit split_dataset(const Dataset& dataset, const SplitIndices& indices) {
  DatasetSplit split;
  split.train = dataset.subset(indices.train);
  split.validation = dataset.subset(indices.validation);
  split.test = dataset.subset(indices.test);
  split.train.skipped = dataset.skipped;
  split.warnings = dataset.warnings;
  return split;
}

DatasetSplit stratified_split(const Dataset& dataset, double validation_fraction,
                              double test_fraction, uint64_t seed) {
  return split_dataset(dataset,
                       stratified_split_indices(dataset, validation_fraction, test_fraction, seed));
}

std::vector<std::string> missing_class_warnings(const DatasetSplit& split, bool want_validation,
                                                bool want_test) {
  const Dataset& train = split.train;
  const std::string kind = train.group_kind;
  std::vector<std::string> warnings;
  std::vector<std::pair<const char*, const Dataset*>> wanted;
  if (want_validation) wanted.emplace_back("validation", &split.validation);
  if (want_test) wanted.emplace_back("test", &split.test);
  if (train.is_regression() || train.num_classes() == 0) {
    const int64_t groups =
        train.num_groups() + split.validation.num_groups() + split.test.num_groups();
    for (const auto& [name, set] : wanted) {
      if (set->empty()) {
        warnings.push_back("the " + std::string(name) + " split is empty: the data has " +
                           std::to_string(groups) + " " + kind +
                           "(s), too few for the requested fractions" + never_divided(kind));
      }
    }
    return warnings;
  }
  // Groups per class over all three splits (a group counts for each class it holds).
  std::vector<std::unordered_map<std::string_view, int>> groups(train.num_classes());
  for (const Dataset* d : {&split.train, &split.validation, &split.test}) {
    for (int64_t i = 0; i < d->size(); ++i) groups[d->label(i)][d->group(i)] = 1;
  }
  const std::vector<int64_t> train_counts = train.class_counts();
  for (int k = 0; k < train.num_classes(); ++k) {
    if (groups[k].empty()) continue;
    if (train_counts[k] == 0) {
      warnings.push_back("class '" + train.class_names()[k] +
                         "' has no training samples: all of them are in the validation/test "
                         "splits, so the model never learns it");
    }
    std::string missing;
    for (const auto& [name, set] : wanted) {
      const auto counts = set->class_counts();
      if (counts.empty() || counts[k] == 0)
        missing += (missing.empty() ? "" : " and ") + std::string(name);
    }
    if (missing.empty()) continue;
    warnings.push_back("class '" + train.class_names()[k] + "' has " +
                       std::to_string(groups[k].size()) + " " + kind +
                       "(s), too few for the requested fractions: the " + missing +
                       " split has none of it" + never_divided(kind));
  }
  return warnings;
}

}  // namespace tinyforge::data
