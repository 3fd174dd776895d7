#include "tinyforge/postprocess.h"

namespace tinyforge {

Status ScoreAverager::init(int32_t* history, int capacity, int classes) {
  if (history == nullptr || capacity < 1 || classes < 1) return Status::kInvalidArgument;
  history_ = history;
  capacity_ = capacity;
  classes_ = classes;
  reset();
  return Status::kOk;
}

void ScoreAverager::add(const int32_t* scores, int32_t* averages) {
  int32_t* slot = history_ + static_cast<size_t>(next_) * static_cast<size_t>(classes_);
  for (int c = 0; c < classes_; ++c) slot[c] = scores[c];
  next_ = next_ + 1 == capacity_ ? 0 : next_ + 1;
  if (count_ < capacity_) ++count_;
  // The slots in use are the first count_ ones until the history wraps, then all of them.
  for (int c = 0; c < classes_; ++c) {
    int64_t sum = 0;
    for (int k = 0; k < count_; ++k) sum += history_[static_cast<size_t>(k) * classes_ + c];
    const int64_t half = count_ / 2;
    averages[c] = static_cast<int32_t>(sum >= 0 ? (sum + half) / count_ : (sum - half) / count_);
  }
}

}  // namespace tinyforge
