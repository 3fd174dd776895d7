#include "tinyforge/status.h"

namespace tinyforge {

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kInvalidArgument:
      return "invalid argument";
    case Status::kMalformedModel:
      return "malformed model";
    case Status::kUnsupported:
      return "unsupported";
    case Status::kArenaTooSmall:
      return "arena too small";
    case Status::kNotReady:
      return "not ready";
    case Status::kKernelError:
      return "kernel error";
  }
  return "unknown status";
}

ErrorMessage& ErrorMessage::add(const char* text) {
  if (text == nullptr) text = "(null)";
  while (*text != '\0' && length_ + 1 < kCapacity) text_[length_++] = *text++;
  text_[length_] = '\0';
  return *this;
}

ErrorMessage& ErrorMessage::add(int64_t value) {
  char digits[24];
  int n = 0;
  // Work in negative numbers so INT64_MIN needs no special case.
  int64_t v = value < 0 ? value : -value;
  do {
    digits[n++] = static_cast<char>('0' - v % 10);
    v /= 10;
  } while (v != 0);
  if (value < 0) digits[n++] = '-';
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  return add(text);
}

}  // namespace tinyforge
