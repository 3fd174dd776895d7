#include "toolkit/tflite/metadata_json.h"

#include <nlohmann/json.hpp>

#include "toolkit/host/error.h"

namespace tinyforge::tflite {

std::string metadata_to_json(const Metadata& m) {
  nlohmann::json j;
  j["labels"] = m.labels;
  j["input_mean"] = m.input_mean;
  j["input_std"] = m.input_std;
  j["version"] = m.version;
  return j.dump();
}

Metadata metadata_from_json(const std::string& json, const std::string& source) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw host::Error(source + ": metadata '" + kMetadataName +
                      "' is not a JSON object, expected {\"labels\": [...], ...}");
  }
  Metadata m;
  // Each key is optional; a present key must have the documented type.
  auto read = [&](const char* key, auto& field) {
    if (!j.contains(key)) return;
    try {
      j.at(key).get_to(field);
    } catch (const nlohmann::json::exception&) {
      throw host::Error(source + ": metadata '" + kMetadataName + "' key '" + key +
                        "' has the wrong type (" + j.at(key).dump() + ")");
    }
  };
  read("labels", m.labels);
  read("input_mean", m.input_mean);
  read("input_std", m.input_std);
  read("version", m.version);
  return m;
}

}  // namespace tinyforge::tflite
