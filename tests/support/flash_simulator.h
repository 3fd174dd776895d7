// NOR flash in memory for the update agent's tests (host, and the QEMU firmware that runs the same
// agent): erased bytes are 0xFF, a page erase sets a page to 0xFF, a word write can only clear
// bits. Power can be cut at any single erase or write: that operation is left torn (an erase
// leaves every other word unerased, a write programs only the low half of the word) and every
// later operation fails until restore_power(), as after a reset. Freestanding C++17: no heap.
#ifndef TINYFORGE_TESTS_SUPPORT_FLASH_SIMULATOR_H_
#define TINYFORGE_TESTS_SUPPORT_FLASH_SIMULATOR_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tinyforge/update/flash.h"

namespace tinyforge::testing {

class FlashSimulator final : public update::Flash {
 public:
  // `memory` (16-byte aligned, `size` bytes, a whole number of pages) is the flash's contents.
  FlashSimulator(uint8_t* memory, size_t size, size_t page_bytes)
      : memory_(memory), size_(size), page_bytes_(page_bytes) {}

  size_t page_bytes() const override { return page_bytes_; }
  size_t size() const override { return size_; }
  const uint8_t* memory() const override { return memory_; }

  void erase_all() { memset(memory_, 0xff, size_); }

  // The operation with this index (0 = the next one) is torn and power is lost; negative: never.
  void cut_power_at(long operation) { cut_at_ = operation; }
  void restore_power() {
    powered_ = true;
    cut_at_ = -1;
  }
  bool powered() const { return powered_; }
  long operations() const { return operations_; }
  void reset_operations() { operations_ = 0; }
  // Writes to a word that was not erased (the agent must never program a word twice).
  long double_writes() const { return double_writes_; }

  bool erase_page(size_t page) override {
    if (page * page_bytes_ >= size_) return false;
    uint8_t* start = memory_ + page * page_bytes_;
    if (!step()) {
      if (torn_) {
        for (size_t i = 0; i < page_bytes_; i += 8) memset(start + i, 0xff, 4);
      }
      return false;
    }
    memset(start, 0xff, page_bytes_);
    return true;
  }

  bool write_word(size_t address, uint32_t word) override {
    if (address % 4 != 0 || address + 4 > size_) return false;
    uint32_t current;
    memcpy(&current, memory_ + address, 4);
    if (!step()) {
      if (torn_) program(address, current & (word | 0xffff0000u));
      return false;
    }
    if (current != 0xffffffffu) ++double_writes_;
    program(address, current & word);
    return true;
  }

 private:
  // Counts one operation; false when power is (or just went) off, with torn_ set for the cut one.
  bool step() {
    torn_ = false;
    if (!powered_) return false;
    if (cut_at_ == operations_) {
      powered_ = false;
      torn_ = true;
      ++operations_;
      return false;
    }
    ++operations_;
    return true;
  }
  void program(size_t address, uint32_t value) {
    for (int b = 0; b < 4; ++b) memory_[address + b] = uint8_t(value >> (8 * b));  // little-endian
  }

  uint8_t* memory_;
  size_t size_;
  size_t page_bytes_;
  long cut_at_ = -1;
  long operations_ = 0;
  long double_writes_ = 0;
  bool powered_ = true;
  bool torn_ = false;
};

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_FLASH_SIMULATOR_H_
