// The last `capacity` samples of a stream in a ring, read back oldest first as at most two runs.
#ifndef TINYFORGE_FIRMWARE_APP_SAMPLE_RING_H_
#define TINYFORGE_FIRMWARE_APP_SAMPLE_RING_H_

#include <stdint.h>
#include <string.h>

namespace tinyforge::app {

class SampleRing {
 public:
  void init(uint8_t* memory, uint32_t capacity, uint32_t sample_bytes) {
    memory_ = memory;
    capacity_ = capacity;
    sample_bytes_ = sample_bytes;
    next_ = 0;
  }

  void write(const uint8_t* samples, uint32_t count) {
    if (count > capacity_) {  // only the newest `capacity_` can still be read
      samples += static_cast<size_t>(count - capacity_) * sample_bytes_;
      count = capacity_;
    }
    const uint32_t first = count < capacity_ - next_ ? count : capacity_ - next_;
    memcpy(memory_ + static_cast<size_t>(next_) * sample_bytes_, samples,
           static_cast<size_t>(first) * sample_bytes_);
    memcpy(memory_, samples + static_cast<size_t>(first) * sample_bytes_,
           static_cast<size_t>(count - first) * sample_bytes_);
    next_ = (next_ + count) % capacity_;
  }

  // Oldest first: run 0 is [next, capacity), run 1 is [0, next).
  const uint8_t* run(int i) const {
    return memory_ + (i == 0 ? static_cast<size_t>(next_) * sample_bytes_ : 0);
  }
  uint32_t run_length(int i) const { return i == 0 ? capacity_ - next_ : next_; }

 private:
  uint8_t* memory_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t sample_bytes_ = 0;
  uint32_t next_ = 0;  // where the next sample goes (the oldest once the ring is full)
};

}  // namespace tinyforge::app

#endif  // TINYFORGE_FIRMWARE_APP_SAMPLE_RING_H_
