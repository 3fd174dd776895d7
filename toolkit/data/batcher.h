// Mini-batches in a shuffled order per epoch. Epoch k's order is a function of (seed, k) alone, so
// a run resumed at epoch k from a checkpoint sees the same batches as an uninterrupted one.
#ifndef TINYFORGE_TOOLKIT_DATA_BATCHER_H_
#define TINYFORGE_TOOLKIT_DATA_BATCHER_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

// A permutation of 0..n-1 for `epoch` of a run seeded with `seed`.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

struct Batch {
  graph::Tensor features;               // [B, sample_shape...]
  std::vector<int> labels;              // B labels (classification)
  graph::Tensor targets;                // [B, targets] (regression)
  std::vector<std::vector<Box>> boxes;  // detection: each sample's objects
  std::vector<int64_t> indices;         // the dataset rows they came from
};

class Batcher {
 public:
  // With shuffle false batches follow dataset order (evaluation). The last batch may be short
  // unless drop_last. `dataset` must outlive the batcher.
  Batcher(const Dataset& dataset, int64_t batch_size, bool shuffle, uint64_t seed,
          bool drop_last = false);

  // Starts `epoch` (0-based): fixes its order and rewinds.
  void start_epoch(int64_t epoch);
  int64_t batches_per_epoch() const;
  // Fills `batch` with the next batch; false at the end of the epoch.
  bool next(Batch& batch);

 private:
  const Dataset& dataset_;
  int64_t batch_size_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
  std::vector<int64_t> order_;
  int64_t position_ = 0;
};

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_BATCHER_H_
