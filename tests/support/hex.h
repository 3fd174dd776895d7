// Hex strings to bytes and back, for test vectors.
#ifndef TINYFORGE_TESTS_SUPPORT_HEX_H_
#define TINYFORGE_TESTS_SUPPORT_HEX_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinyforge::testing {

inline std::vector<uint8_t> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd-length hex: " + hex);
  std::vector<uint8_t> bytes(hex.size() / 2);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = uint8_t(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  return bytes;
}

inline std::string to_hex(const uint8_t* data, size_t size) {
  static const char* const kDigits = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < size; ++i) {
    hex += kDigits[data[i] >> 4];
    hex += kDigits[data[i] & 15];
  }
  return hex;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_HEX_H_
