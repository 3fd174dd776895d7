// The flash the update agent keeps model slots and its state in: memory-mapped for reading (models
// run in place), page erase to 0xFF, 32-bit word writes that can only clear bits. A board's driver
// or the host's simulator implements it; every erase and write may fail (power lost), and the
// agent then stops and leaves what is already committed intact.
#ifndef TINYFORGE_UPDATE_FLASH_H_
#define TINYFORGE_UPDATE_FLASH_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge::update {

class Flash {
 public:
  virtual size_t page_bytes() const = 0;
  virtual size_t size() const = 0;
  // The whole flash, readable in place; 16-byte aligned.
  virtual const uint8_t* memory() const = 0;
  virtual bool erase_page(size_t page) = 0;
  // `address` is 4-byte aligned; the word is stored little-endian.
  virtual bool write_word(size_t address, uint32_t word) = 0;

 protected:
  ~Flash() = default;  // not deleted through this interface: no heap on the device
};

// Where the agent keeps things; every offset is page-aligned and the regions do not overlap.
struct FlashLayout {
  size_t state_page[2];  // two pages for the state record, written alternately
  size_t slot_offset[2];
  size_t slot_bytes;  // a package must fit in a slot
};

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_FLASH_H_
