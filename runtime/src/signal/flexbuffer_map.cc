#include "signal/flexbuffer_map.h"

#include <string.h>

namespace tinyforge {
namespace {

// FlexBuffers value types (the format's specification) that options use.
enum : uint8_t {
  kInt = 1,
  kUInt = 2,
  kFloat = 3,
  kIndirectInt = 6,
  kIndirectUInt = 7,
  kIndirectFloat = 8,
  kMap = 9,
  kBool = 26,
};

bool valid_width(uint64_t width) { return width == 1 || width == 2 || width == 4 || width == 8; }

uint8_t type_of(uint8_t packed) { return packed >> 2; }
size_t width_of(uint8_t packed) { return size_t{1} << (packed & 3); }

int64_t sign_extend(uint64_t value, size_t width) {
  if (width == 8) return static_cast<int64_t>(value);
  const uint64_t sign = uint64_t{1} << (8 * width - 1);
  return static_cast<int64_t>((value ^ sign) - sign);
}

}  // namespace

bool FlexbufferMap::read_uint(size_t pos, size_t width, uint64_t* value) const {
  if (pos > size_ || width > size_ - pos) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(data_[pos + i]) << (8 * i);
  *value = v;
  return true;
}

bool FlexbufferMap::follow(size_t pos, size_t width, size_t* target) const {
  uint64_t offset;
  if (!read_uint(pos, width, &offset) || offset > pos) return false;
  *target = pos - static_cast<size_t>(offset);
  return true;
}

bool FlexbufferMap::parse(const uint8_t* data, size_t size) {
  data_ = data;
  size_ = size;
  count_ = 0;
  if (data == nullptr || size < 3) return false;
  const size_t root_width = data[size - 1];
  const uint8_t root_type = data[size - 2];
  if (!valid_width(root_width) || size < 2 + root_width) return false;
  if (type_of(root_type) != kMap) return false;
  size_t map;
  if (!follow(size - 2 - root_width, root_width, &map)) return false;
  const size_t width = width_of(root_type);
  if (map < 3 * width) return false;
  uint64_t count, key_width;
  size_t keys;
  if (!read_uint(map - width, width, &count) || !read_uint(map - 2 * width, width, &key_width) ||
      !follow(map - 3 * width, width, &keys) || !valid_width(key_width))
    return false;
  // The values, then one type byte per value.
  if (count > size || map + count * (width + 1) > size) return false;
  // The keys vector: its length, then `count` offsets to null-terminated strings.
  uint64_t key_count;
  if (keys < key_width || !read_uint(keys - key_width, key_width, &key_count) ||
      key_count != count || keys + count * key_width > size)
    return false;
  values_ = map;
  width_ = width;
  count_ = count;
  keys_ = keys;
  key_width_ = key_width;
  return true;
}

int FlexbufferMap::find(const char* key) const {
  const size_t length = strlen(key);
  for (size_t i = 0; i < count_; ++i) {
    size_t text;
    if (!follow(keys_ + i * key_width_, key_width_, &text)) return -1;
    // The key and its terminating zero must lie inside the buffer.
    if (text > size_ || length + 1 > size_ - text) continue;
    if (memcmp(data_ + text, key, length) == 0 && data_[text + length] == 0)
      return static_cast<int>(i);
  }
  return -1;
}

bool FlexbufferMap::get_int(const char* key, int64_t* value) const {
  const int index = find(key);
  if (index < 0) return false;
  const size_t slot = values_ + static_cast<size_t>(index) * width_;
  const uint8_t packed = data_[values_ + count_ * width_ + static_cast<size_t>(index)];
  uint64_t raw;
  switch (type_of(packed)) {
    case kInt:
      if (!read_uint(slot, width_, &raw)) return false;
      *value = sign_extend(raw, width_);
      return true;
    case kUInt:
    case kBool:
      if (!read_uint(slot, width_, &raw) || raw > static_cast<uint64_t>(INT64_MAX)) return false;
      *value = static_cast<int64_t>(raw);
      return true;
    case kIndirectInt:
    case kIndirectUInt: {
      size_t target;
      const size_t width = width_of(packed);
      if (!follow(slot, width_, &target) || !read_uint(target, width, &raw)) return false;
      if (type_of(packed) == kIndirectInt) {
        *value = sign_extend(raw, width);
      } else {
        if (raw > static_cast<uint64_t>(INT64_MAX)) return false;
        *value = static_cast<int64_t>(raw);
      }
      return true;
    }
    default:
      return false;
  }
}

bool FlexbufferMap::get_int32(const char* key, int32_t* value) const {
  int64_t wide;
  if (!get_int(key, &wide) || wide < INT32_MIN || wide > INT32_MAX) return false;
  *value = static_cast<int32_t>(wide);
  return true;
}

bool FlexbufferMap::get_bool(const char* key, bool* value) const {
  int64_t wide;
  if (!get_int(key, &wide)) return false;
  *value = wide != 0;
  return true;
}

bool FlexbufferMap::get_number(const char* key, double* value) const {
  const int index = find(key);
  if (index < 0) return false;
  const size_t slot = values_ + static_cast<size_t>(index) * width_;
  const uint8_t packed = data_[values_ + count_ * width_ + static_cast<size_t>(index)];
  size_t pos = slot, width = width_;
  if (type_of(packed) == kIndirectFloat) {
    if (!follow(slot, width_, &pos)) return false;
    width = width_of(packed);
  } else if (type_of(packed) != kFloat) {
    int64_t integer;
    if (!get_int(key, &integer)) return false;
    *value = static_cast<double>(integer);
    return true;
  }
  uint64_t raw;
  if (!read_uint(pos, width, &raw)) return false;
  if (width == 4) {
    const uint32_t bits = static_cast<uint32_t>(raw);
    float f;
    memcpy(&f, &bits, sizeof(f));
    *value = f;
  } else if (width == 8) {
    memcpy(value, &raw, sizeof(*value));
  } else {
    return false;  // FlexBuffers floats are 32 or 64 bits
  }
  return true;
}

}  // namespace tinyforge
