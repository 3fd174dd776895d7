#include "toolkit/data/batcher.h"

#include <algorithm>
#include <numeric>

#include "toolkit/data/random.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(derive_seed(seed, static_cast<uint64_t>(epoch)));
  shuffle(std::span<int64_t>(order), rng);
  return order;
}

Batcher::Batcher(const Dataset& dataset, int64_t batch_size, bool shuffle, uint64_t seed,
                 bool drop_last)
    : dataset_(dataset),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  if (batch_size <= 0) {
    throw host::Error("batch size must be positive; got " + std::to_string(batch_size));
  }
  start_epoch(0);
}

void Batcher::start_epoch(int64_t epoch) {
  if (shuffle_) {
    order_ = epoch_order(dataset_.size(), seed_, epoch);
  } else {
    order_.resize(static_cast<size_t>(dataset_.size()));
    std::iota(order_.begin(), order_.end(), 0);
  }
  position_ = 0;
}

int64_t Batcher::batches_per_epoch() const {
  const int64_t n = dataset_.size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool Batcher::next(Batch& batch) {
  const int64_t n = static_cast<int64_t>(order_.size());
  const int64_t count = std::min(batch_size_, n - position_);
  if (count <= 0 || (drop_last_ && count < batch_size_)) return false;
  batch.indices.assign(order_.begin() + position_, order_.begin() + position_ + count);
  position_ += count;
  batch.features = dataset_.gather(batch.indices);
  if (dataset_.is_regression()) {
    batch.labels.clear();
    batch.targets = dataset_.gather_targets(batch.indices);
    return true;
  }
  batch.labels.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) batch.labels[i] = dataset_.label(batch.indices[i]);
  batch.boxes.clear();
  if (dataset_.is_detection())
    for (int64_t i : batch.indices) batch.boxes.push_back(dataset_.boxes(i));
  return true;
}

}  // namespace tinyforge::data
