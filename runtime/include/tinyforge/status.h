// Status codes and fixed-size error messages: the device side reports errors as values.
#ifndef TINYFORGE_STATUS_H_
#define TINYFORGE_STATUS_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge {

enum class Status : uint8_t {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (null buffer, bad index)
  kMalformedModel,   // the bytes are not a well-formed, self-consistent TFLite model
  kUnsupported,      // well-formed, but uses an op, version or dtype this runtime lacks
  kArenaTooSmall,    // the caller's arena cannot hold the memory plan
  kNotReady,         // called out of order (e.g. invoke before init)
  kKernelError,      // a kernel refused its inputs at run time
};

const char* status_name(Status status);

// A short message naming what is wrong; built without heap or printf.
class ErrorMessage {
 public:
  static constexpr size_t kCapacity = 192;

  ErrorMessage& add(const char* text);
  ErrorMessage& add(int64_t value);
  void clear() {
    length_ = 0;
    text_[0] = '\0';
  }
  const char* c_str() const { return text_; }
  bool empty() const { return length_ == 0; }

 private:
  char text_[kCapacity] = {};
  size_t length_ = 0;
};

}  // namespace tinyforge

#endif  // TINYFORGE_STATUS_H_
