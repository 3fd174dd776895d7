#include "toolkit/tune/budget.h"

#include <cctype>
#include <sstream>

#include "toolkit/host/error.h"

namespace tinyforge::tune {

std::optional<double> Figures::latency_ms(double clock_mhz) const {
  if (!instructions || clock_mhz <= 0) return std::nullopt;
  return static_cast<double>(*instructions) / (clock_mhz * 1000.0);
}

nlohmann::json Figures::to_json(double clock_mhz) const {
  nlohmann::json j = {{"arena_bytes", arena_bytes}, {"flash_bytes", flash_bytes},
                      {"model_bytes", model_bytes}, {"macs", macs},
                      {"params", params},           {"instructions", nullptr},
                      {"latency_ms", nullptr}};
  if (instructions) j["instructions"] = *instructions;
  if (auto ms = latency_ms(clock_mhz)) j["latency_ms"] = *ms;
  return j;
}

Figures Figures::from_json(const nlohmann::json& j) {
  Figures f;
  f.arena_bytes = j.at("arena_bytes").get<uint64_t>();
  f.flash_bytes = j.at("flash_bytes").get<uint64_t>();
  f.model_bytes = j.at("model_bytes").get<uint64_t>();
  f.macs = j.at("macs").get<int64_t>();
  f.params = j.at("params").get<int64_t>();
  if (j.contains("instructions") && !j["instructions"].is_null())
    f.instructions = j["instructions"].get<uint64_t>();
  return f;
}

uint64_t parse_size(const std::string& text, const std::string& flag) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  std::erase(unit, ' ');
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KB" || unit == "KIB") scale = 1024;
  if (unit == "M" || unit == "MB" || unit == "MIB") scale = 1024 * 1024;
  if (i == 0 || scale == 0) {
    throw host::Error(flag + ": expected a size such as 65536, 64KB or 1MB, got '" + text + "'");
  }
  return std::stoull(text.substr(0, i)) * scale;
}

std::string over_budget(const Figures& f, const Budgets& b) {
  std::ostringstream why;
  auto add = [&](const std::string& s) { why << (why.tellp() > 0 ? ", " : "") << s; };
  if (b.arena_bytes && f.arena_bytes > *b.arena_bytes)
    add("arena " + std::to_string(f.arena_bytes) + " > " + std::to_string(*b.arena_bytes) +
        " bytes");
  if (b.flash_bytes && f.flash_bytes > *b.flash_bytes)
    add("flash " + std::to_string(f.flash_bytes) + " > " + std::to_string(*b.flash_bytes) +
        " bytes");
  if (b.model_bytes && f.model_bytes > *b.model_bytes)
    add("model " + std::to_string(f.model_bytes) + " > " + std::to_string(*b.model_bytes) +
        " bytes");
  const auto ms = f.latency_ms(b.clock_mhz);
  if (b.latency_ms && ms && *ms > *b.latency_ms) {
    std::ostringstream s;
    s.precision(3);
    s << "latency " << *ms << " > " << *b.latency_ms << " ms";
    add(s.str());
  }
  return why.str();
}

}  // namespace tinyforge::tune
