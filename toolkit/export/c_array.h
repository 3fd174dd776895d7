// `tinyforge export c-array`: a .tflite file as an aligned byte array in a C/C++ header (the
// `xxd -i` step, done right): 16-byte aligned and const so it stays in flash and the runtime reads
// it in place, a safe identifier, and a comment describing the model.
#ifndef TINYFORGE_TOOLKIT_EXPORT_C_ARRAY_H_
#define TINYFORGE_TOOLKIT_EXPORT_C_ARRAY_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/kernel_set.h"

namespace tinyforge::host {

struct CArrayOptions {
  std::string name;      // the array's identifier; empty: derived from the model's file name
  std::string section;   // place the array in this linker section (GCC/Clang attribute)
  bool progmem = false;  // mark the array PROGMEM (AVR-style flash; a no-op elsewhere)
  bool source = false;   // write a declaring header and a defining .cc beside it
  // The device the arena constant is for: a board's kernels (and its name), or the reference
  // kernels on any 32-bit device.
  KernelSet device_kernels = KernelSet::kReference;
  std::string board;
};

struct CArrayResult {
  std::string identifier;
  std::string sha256;
  size_t bytes = 0;
  size_t device_arena_bytes = 0;             // 0 when the runtime cannot run the model
  std::vector<std::filesystem::path> files;  // the header, then the source if asked for
};

// A valid C and C++ identifier from a file stem: other characters become '_', a leading digit
// gets a "model_" prefix, keywords and reserved names (leading '_') are avoided.
std::string c_identifier(std::string_view stem);
// True if `name` is a valid C/C++ identifier that is not a keyword or reserved.
bool is_valid_c_identifier(std::string_view name);
// SHA-256 of the bytes as 64 lowercase hex digits (OpenSSL's EVP API).
std::string sha256_hex(const void* data, size_t size);

// Writes `header` (and with options.source, the .cc beside it) atomically. Besides the array
// (ID, ID_len) it defines what a device program needs: ID_arena_bytes (the 32-bit device arena
// for options' kernels), and where the model has them, ID_input_scale / ID_input_zero_point (the
// input quantization), ID_input_mean / ID_input_std / ID_input_channels (the normalization the
// model was trained with, from its tinyforge metadata) and ID_labels / ID_num_labels (class
// names); the comment holds the metadata itself. Throws Error naming the file and the problem.
CArrayResult export_c_array(const std::filesystem::path& model, const std::filesystem::path& header,
                            const CArrayOptions& options);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_EXPORT_C_ARRAY_H_
