#include "toolkit/tflite/metadata_json.h"

#include <nlohmann/json.hpp>

#include "tflite_generated.h"
#include "toolkit/host/error.h"

namespace tinyforge::tflite {

std::string metadata_to_json(const Metadata& m) {
  nlohmann::json j = m.extra.is_object() ? m.extra : nlohmann::json::object();
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
  for (const auto& [key, value] : j.items()) {
    if (key != "labels" && key != "input_mean" && key != "input_std" && key != "version")
      m.extra[key] = value;
  }
  return m;
}

std::optional<std::string> find_metadata_json(const ::tflite::Model& model, const uint8_t* file,
                                              size_t size, const std::string& source) {
  if (model.metadata() == nullptr) return std::nullopt;
  for (const ::tflite::Metadata* m : *model.metadata()) {
    if (m == nullptr || m->name() == nullptr || m->name()->str() != kMetadataName) continue;
    const uint32_t index = m->buffer();
    const ::tflite::Buffer* b = model.buffers() != nullptr && index < model.buffers()->size()
                                    ? model.buffers()->Get(index)
                                    : nullptr;
    const std::string what =
        source + ": metadata '" + kMetadataName + "' names buffer " + std::to_string(index);
    if (b == nullptr) throw host::Error(what + ", which does not exist");
    if (b->data() != nullptr && b->data()->size() > 0)
      return std::string(b->data()->begin(), b->data()->end());
    if (b->offset() > 1 && b->offset() <= size && b->size() <= size - b->offset())
      return std::string(reinterpret_cast<const char*>(file) + b->offset(), b->size());
    throw host::Error(what + ", which holds no data");
  }
  return std::nullopt;
}

Metadata read_metadata(const ::tflite::Model& model, const std::string& source) {
  const std::optional<std::string> text = find_metadata_json(model, nullptr, 0, source);
  return text ? metadata_from_json(*text, source) : Metadata();
}

Metadata read_metadata(const std::vector<uint8_t>& bytes, const std::string& source) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!::tflite::VerifyModelBuffer(verifier))
    throw host::Error(source + ": not a valid TFLite flatbuffer");
  const std::optional<std::string> text =
      find_metadata_json(*::tflite::GetModel(bytes.data()), bytes.data(), bytes.size(), source);
  return text ? metadata_from_json(*text, source) : Metadata();
}

}  // namespace tinyforge::tflite
