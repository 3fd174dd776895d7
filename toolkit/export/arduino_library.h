// `tinyforge export arduino`: a model and the runtime it needs as an Arduino library
// (library specification 1.5): library.properties, src/ with the runtime sources for the model's
// operators and dtypes, the FlatBuffers headers and TFLite schema accessors they include, the
// model array and the TinyforgeModel class, and an example sketch. Arduino's builder compiles
// every .cpp/.c under src/ with src/ on the include path (docs/arduino.md).
#ifndef TINYFORGE_TOOLKIT_EXPORT_ARDUINO_LIBRARY_H_
#define TINYFORGE_TOOLKIT_EXPORT_ARDUINO_LIBRARY_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::host {

struct ArduinoOptions {
  std::string name;  // library name; empty: the output directory's name
  bool zip = false;  // also write DIR.zip (the library folder inside, for "Add .ZIP Library")
};

struct ArduinoLibrary {
  std::string name;
  std::filesystem::path dir;
  std::filesystem::path zip;  // empty without options.zip
  std::string example;        // examples/<example>/<example>.ino
  std::vector<std::string> ops;
  std::vector<std::string> dtypes;  // besides int8/int32
  size_t source_files = 0;          // .cpp/.c files under src/
  size_t model_bytes = 0;
  size_t arena_bytes = 0;
};

// True for names Arduino accepts: a letter or digit first, then letters, digits, spaces, '_',
// '.', '-'; at most 63 characters.
bool is_valid_arduino_library_name(const std::string& name);

// Writes the library to `dir` (replacing a previous export there; any other non-empty directory
// is refused) through a temporary directory and a rename, so a failure leaves nothing
// half-written. Throws Error naming the file or setting and what was expected.
ArduinoLibrary export_arduino_library(const std::filesystem::path& model,
                                      const std::filesystem::path& dir,
                                      const ArduinoOptions& options);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_EXPORT_ARDUINO_LIBRARY_H_
