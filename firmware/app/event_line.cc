// The event line: formatted with integers only, so the host and the device print the same text.
#include "app/app_hal.h"

namespace {

class Line {
 public:
  Line(char* out, uint32_t capacity) : out_(out), capacity_(capacity) {}
  void put(char c) {
    if (length_ + 1 < capacity_) out_[length_++] = c;
  }
  void put(const char* text) {
    while (*text != '\0') put(*text++);
  }
  void put_uint(uint64_t value, int min_digits = 1) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0 || n < min_digits);
    while (n > 0) put(digits[--n]);
  }
  uint32_t finish() {
    if (capacity_ > 0) out_[length_] = '\0';
    return length_;
  }

 private:
  char* out_;
  uint32_t capacity_;
  uint32_t length_ = 0;
};

}  // namespace

extern "C" uint32_t tf_format_event(char* out, uint32_t capacity, const tf_event* event) {
  Line line(out, capacity);
  line.put("ACT ");
  line.put_uint(event->time_ms);
  line.put(' ');
  line.put(event->label != nullptr ? event->label : "?");
  line.put(' ');
  // Thousandths, rounded half away from zero.
  const int64_t scaled = static_cast<int64_t>(event->score_q16) * 1000;
  const int64_t magnitude = ((scaled < 0 ? -scaled : scaled) + 32768) >> 16;
  if (scaled < 0 && magnitude != 0) line.put('-');
  line.put_uint(static_cast<uint64_t>(magnitude / 1000));
  line.put('.');
  line.put_uint(static_cast<uint64_t>(magnitude % 1000), 3);
  line.put('\n');
  return line.finish();
}
