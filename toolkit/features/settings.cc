#include "toolkit/features/settings.h"

#include <cmath>

#include "toolkit/features/mel_filter_bank.h"
#include "toolkit/host/error.h"

namespace tinyforge::features {
namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw host::Error("features." + key + ": " + what);
}

template <typename T>
T read(const YAML::Node& node, const char* key, T fallback, const char* expected) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return fallback;
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    fail(key, std::string("expected ") + expected + ", got '" +
                  (v.IsScalar() ? v.Scalar() : "(a list or map)") + "'");
  }
}

bool power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

void validate(const FeatureSettings& s) {
  const AudioFrontend& a = s.audio;
  if (a.sample_rate < 1000 || a.sample_rate > 192000)
    fail("sample_rate", "expected 1000..192000 Hz, got " + std::to_string(a.sample_rate));
  if (s.window_samples() < 16) fail("window_ms", "a window needs at least 16 samples");
  if (s.stride_samples() < 1) fail("stride_ms", "the stride must be at least one sample");
  const int fft = s.effective_fft_length();
  if (a.fft_length != 0 && !power_of_two(a.fft_length))
    fail("fft_length", "expected a power of two, got " + std::to_string(a.fft_length));
  if (fft > 4096) fail("fft_length", "at most 4096 (the window needs " + std::to_string(fft) + ")");
  if (fft < s.window_samples())
    fail("fft_length", std::to_string(fft) + " is shorter than the window (" +
                           std::to_string(s.window_samples()) + " samples)");
  if (a.channels < 1 || a.channels > 256)
    fail("channels", "expected 1..256 mel channels, got " + std::to_string(a.channels));
  if (s.kind == Kind::kMfcc && (a.coefficients < 1 || a.coefficients > a.channels))
    fail("coefficients", "expected 1.." + std::to_string(a.channels) + " (the mel channels)");
  design_mel_filter_bank(a.sample_rate, fft, a.channels, a.lower_hz, a.upper_hz);
}

}  // namespace

int64_t FeatureSettings::window_samples() const {
  return std::llround(audio.window_ms * audio.sample_rate / 1000.0);
}

int64_t FeatureSettings::stride_samples() const {
  return std::llround(audio.stride_ms * audio.sample_rate / 1000.0);
}

int FeatureSettings::effective_fft_length() const {
  if (audio.fft_length > 0) return audio.fft_length;
  int n = 16;
  while (n < window_samples() && n < (1 << 20)) n *= 2;
  return n;
}

int FeatureSettings::frame_size() const {
  return kind == Kind::kMfcc ? audio.coefficients : audio.channels;
}

int64_t FeatureSettings::frames_for(int64_t samples) const {
  if (samples < window_samples()) return 0;
  return (samples - window_samples()) / stride_samples() + 1;
}

const char* FeatureSettings::kind_name() const { return kind == Kind::kMfcc ? "mfcc" : "log_mel"; }

FeatureSettings parse_feature_settings(const YAML::Node& node) {
  if (!node.IsMap()) throw host::Error("features: expected a mapping of keys (docs/features.md)");
  static const char* const kKeys[] = {
      "type",     "sample_rate", "window_ms", "stride_ms",       "fft_length",
      "channels", "lower_hz",    "upper_hz",  "noise_reduction", "coefficients"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    bool known = false;
    std::string list;
    for (const char* k : kKeys) {
      known = known || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!known) fail(key, "unknown key; expected one of " + list);
  }
  FeatureSettings s;
  const std::string type = read<std::string>(node, "type", "log_mel", "log_mel or mfcc");
  if (type == "log_mel") {
    s.kind = Kind::kLogMel;
  } else if (type == "mfcc") {
    s.kind = Kind::kMfcc;
  } else {
    fail("type", "expected log_mel or mfcc, got '" + type + "'");
  }
  AudioFrontend& a = s.audio;
  a.sample_rate = read<int>(node, "sample_rate", a.sample_rate, "a rate in Hz");
  a.window_ms = read<double>(node, "window_ms", a.window_ms, "milliseconds");
  a.stride_ms = read<double>(node, "stride_ms", a.stride_ms, "milliseconds");
  a.fft_length = read<int>(node, "fft_length", a.fft_length, "a power of two");
  a.channels = read<int>(node, "channels", a.channels, "a channel count");
  a.lower_hz = read<double>(node, "lower_hz", a.lower_hz, "a frequency in Hz");
  a.upper_hz = read<double>(node, "upper_hz", std::min(a.upper_hz, a.sample_rate / 2.0),
                            "a frequency in Hz");
  a.noise_reduction = read<bool>(node, "noise_reduction", a.noise_reduction, "true or false");
  a.coefficients = read<int>(node, "coefficients", a.coefficients, "a count");
  validate(s);
  return s;
}

nlohmann::json to_json(const FeatureSettings& s) {
  const AudioFrontend& a = s.audio;
  return {{"type", s.kind_name()},
          {"sample_rate", a.sample_rate},
          {"window_ms", a.window_ms},
          {"stride_ms", a.stride_ms},
          {"window_samples", s.window_samples()},
          {"stride_samples", s.stride_samples()},
          {"fft_length", s.effective_fft_length()},
          {"channels", a.channels},
          {"lower_hz", a.lower_hz},
          {"upper_hz", a.upper_hz},
          {"noise_reduction", a.noise_reduction},
          {"coefficients", a.coefficients},
          {"frame_size", s.frame_size()}};
}

FeatureSettings feature_settings_from_json(const nlohmann::json& json, const std::string& source) {
  // The same checks as the project file's block, on the stored keys (the derived ones are
  // recomputed).
  YAML::Node node;
  try {
    for (const char* key :
         {"type", "sample_rate", "window_ms", "stride_ms", "fft_length", "channels", "lower_hz",
          "upper_hz", "noise_reduction", "coefficients"}) {
      if (!json.contains(key)) continue;
      const nlohmann::json& v = json.at(key);
      if (v.is_string()) {
        node[key] = v.get<std::string>();
      } else if (v.is_boolean()) {
        node[key] = v.get<bool>();
      } else if (v.is_number_integer()) {
        node[key] = v.get<int64_t>();
      } else if (v.is_number()) {
        node[key] = v.get<double>();
      } else {
        throw host::Error(std::string("key '") + key + "' has the wrong type");
      }
    }
    return parse_feature_settings(node);
  } catch (const host::Error& e) {
    throw host::Error(source + ": metadata 'features': " + e.what());
  }
}

}  // namespace tinyforge::features
