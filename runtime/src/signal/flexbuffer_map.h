// Reads the options of a custom operator: a FlexBuffers map (the format TFLite's converters use
// for custom_options), checked against the buffer's bounds at every step, since it comes from
// the model file. Only what operator options need: integers, booleans and numbers by key.
#ifndef TINYFORGE_SIGNAL_FLEXBUFFER_MAP_H_
#define TINYFORGE_SIGNAL_FLEXBUFFER_MAP_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge {

class FlexbufferMap {
 public:
  // Parses the root of `data` as a map. False when the buffer is not a well-formed map.
  bool parse(const uint8_t* data, size_t size);

  int size() const { return static_cast<int>(count_); }
  bool has(const char* key) const { return find(key) >= 0; }
  // The integer under `key` (signed, unsigned, boolean, inline or indirect); false when the key
  // is missing, holds another type or does not fit.
  bool get_int(const char* key, int64_t* value) const;
  bool get_int32(const char* key, int32_t* value) const;
  bool get_bool(const char* key, bool* value) const;
  // The number under `key`: a float (32 or 64 bits, inline or indirect) or an integer as above.
  bool get_number(const char* key, double* value) const;

 private:
  int find(const char* key) const;
  bool read_uint(size_t pos, size_t width, uint64_t* value) const;
  // The position `offset` bytes before `pos`, where an offset stored at `pos` points.
  bool follow(size_t pos, size_t width, size_t* target) const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t values_ = 0;  // position of the first value
  size_t width_ = 0;   // bytes per value
  size_t count_ = 0;
  size_t keys_ = 0;  // position of the first key offset
  size_t key_width_ = 0;
};

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_FLEXBUFFER_MAP_H_
