#include "tinyforge/postprocess.h"

namespace tinyforge {

Status EventDetector::init(const int32_t* thresholds, uint8_t* armed, int classes,
                           uint32_t suppression_ms) {
  if (thresholds == nullptr || armed == nullptr || classes < 1) return Status::kInvalidArgument;
  thresholds_ = thresholds;
  armed_ = armed;
  classes_ = classes;
  suppression_ms_ = suppression_ms;
  reset();
  return Status::kOk;
}

void EventDetector::reset() {
  for (int c = 0; c < classes_; ++c) armed_[c] = 1;
  fired_ = false;
  last_event_ms_ = 0;
}

bool EventDetector::update(const int32_t* averages, uint32_t now_ms, Event* event) {
  int best = -1;
  for (int c = 0; c < classes_; ++c) {
    if (thresholds_[c] == kNeverFires) continue;
    if (averages[c] < thresholds_[c]) {
      armed_[c] = 1;
      continue;
    }
    if (armed_[c] != 0 && (best < 0 || averages[c] > averages[best])) best = c;
  }
  if (best < 0) return false;
  // Unsigned difference: correct across the millisecond counter's wrap.
  if (fired_ && now_ms - last_event_ms_ < suppression_ms_) return false;
  armed_[best] = 0;
  fired_ = true;
  last_event_ms_ = now_ms;
  event->label = best;
  event->score = averages[best];
  event->time_ms = now_ms;
  return true;
}

}  // namespace tinyforge
