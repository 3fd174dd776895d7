// The `tinyforge` Model.metadata entry: labels and input normalization as a JSON object, so the
// file alone tells an application how to feed the model and name its outputs.
#ifndef TINYFORGE_TOOLKIT_TFLITE_METADATA_JSON_H_
#define TINYFORGE_TOOLKIT_TFLITE_METADATA_JSON_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tflite_generated.h"

#include "toolkit/tflite/tflite.h"

namespace tinyforge::tflite {

inline constexpr const char* kMetadataName = "tinyforge";

// {"labels": [...], "input_mean": [...], "input_std": [...], "version": "...", ...extra keys}
std::string metadata_to_json(const Metadata& metadata);
// Throws host::Error naming `source` and the key that does not fit.
Metadata metadata_from_json(const std::string& json, const std::string& source);

// The text of the flatbuffer's Model.metadata entry "tinyforge" (its buffer inline, or at its
// offset within the `size` bytes of `file`), nullopt when the model has none. The flatbuffer must
// have passed the FlatBuffers verifier. Throws host::Error naming `source` when the entry names a
// buffer that does not exist or holds no data.
std::optional<std::string> find_metadata_json(const ::tflite::Model& model, const uint8_t* file,
                                              size_t size, const std::string& source);

// The "tinyforge" Model.metadata entry of a verified model (empty Metadata without one). Any
// .tflite, including ones the importer cannot turn into the IR (custom operators).
Metadata read_metadata(const ::tflite::Model& model, const std::string& source);
// The same from a file's bytes, verified as a TFLite flatbuffer first (an entry whose buffer lies
// outside the flatbuffer, at an offset in the file, is read too).
Metadata read_metadata(const std::vector<uint8_t>& bytes, const std::string& source);

}  // namespace tinyforge::tflite

#endif  // TINYFORGE_TOOLKIT_TFLITE_METADATA_JSON_H_
