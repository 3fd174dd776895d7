#include "toolkit/features/settings.h"

#include <cmath>

#include "runtime/src/signal/motion_features.h"
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

void check_keys(const YAML::Node& node, std::initializer_list<const char*> keys) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    bool known = false;
    std::string list;
    for (const char* k : keys) {
      known = known || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!known) fail(key, "unknown key; expected one of " + list);
  }
}

bool power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

int smallest_fft(int64_t window) {
  int n = 16;
  while (n < window && n < (1 << 20)) n *= 2;
  return n;
}

void validate_audio(const FeatureSettings& s) {
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

void validate_motion(const MotionFrontend& m) {
  if (m.sample_rate < 1 || m.sample_rate > 100000)
    fail("sample_rate", "expected 1..100000 Hz, got " + std::to_string(m.sample_rate));
  if (m.filter != 0 &&
      !(m.cutoff_hz > m.sample_rate / 10000.0 && m.cutoff_hz < m.sample_rate / 2.0))
    fail("cutoff_hz", "expected a frequency between " + std::to_string(m.sample_rate / 10000.0) +
                          " and " + std::to_string(m.sample_rate / 2.0) + " Hz (half the rate)");
  if (m.fft_length != 0 &&
      (!power_of_two(m.fft_length) || m.fft_length < 16 || m.fft_length > 4096))
    fail("fft_length", "expected a power of two in 16..4096, got " + std::to_string(m.fft_length));
  const int fft = m.fft_length != 0 ? m.fft_length : 4096;
  if (m.fft_bins < 0 || m.fft_bins > fft / 2)
    fail("fft_bins",
         "expected 0.." + std::to_string(fft / 2) + ", got " + std::to_string(m.fft_bins));
  if (m.peaks < 0 || m.peaks > kMaxMotionPeaks)
    fail("peaks", "expected 0.." + std::to_string(kMaxMotionPeaks));
  if (!m.mean && !m.rms && !m.std && !m.p2p && m.fft_bins == 0 && m.peaks == 0)
    fail("statistics", "select at least one feature (statistics, fft_bins or peaks)");
}

void parse_motion(const YAML::Node& node, MotionFrontend& m) {
  check_keys(node, {"type", "sample_rate", "filter", "cutoff_hz", "statistics", "fft_length",
                    "fft_bins", "peaks"});
  m.sample_rate = read<int>(node, "sample_rate", m.sample_rate, "a rate in Hz");
  const std::string filter = read<std::string>(node, "filter", "none", "none, low or high");
  if (filter == "none") {
    m.filter = 0;
  } else if (filter == "low") {
    m.filter = 1;
  } else if (filter == "high") {
    m.filter = 2;
  } else {
    fail("filter", "expected none, low or high, got '" + filter + "'");
  }
  m.cutoff_hz = read<double>(node, "cutoff_hz", m.cutoff_hz, "a frequency in Hz");
  if (m.filter == 0 && node["cutoff_hz"]) fail("cutoff_hz", "needs filter: low or high");
  if (const YAML::Node stats = node["statistics"]) {
    if (!stats.IsSequence()) fail("statistics", "expected a list of mean, rms, std, p2p");
    m.mean = m.rms = m.std = m.p2p = false;
    for (const YAML::Node& v : stats) {
      const std::string name = v.IsScalar() ? v.Scalar() : "";
      if (name == "mean")
        m.mean = true;
      else if (name == "rms")
        m.rms = true;
      else if (name == "std")
        m.std = true;
      else if (name == "p2p")
        m.p2p = true;
      else
        fail("statistics", "expected mean, rms, std or p2p, got '" + name + "'");
    }
  }
  m.fft_length = read<int>(node, "fft_length", m.fft_length, "a power of two");
  m.fft_bins = read<int>(node, "fft_bins", m.fft_bins, "a band count");
  m.peaks = read<int>(node, "peaks", m.peaks, "a peak count");
  validate_motion(m);
}

void parse_audio(const YAML::Node& node, FeatureSettings& s) {
  check_keys(node,
             {"type", "sample_rate", "window_ms", "stride_ms", "fft_length", "channels", "lower_hz",
              "upper_hz", "noise_reduction", "coefficients", "frames", "frames_stride"});
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
  a.frames = read<int>(node, "frames", a.frames, "a number of frames");
  if (a.frames < 0 || (node["frames"] && a.frames == 0))
    fail("frames", "expected a positive number of frames");
  a.frames_stride = read<int>(node, "frames_stride", a.frames_stride, "a number of frames");
  if (a.frames_stride < 1) fail("frames_stride", "expected a positive number of frames");
  validate_audio(s);
}

}  // namespace

int64_t FeatureSettings::window_samples() const {
  if (!is_audio()) return motion.window;
  return std::llround(audio.window_ms * audio.sample_rate / 1000.0);
}

int64_t FeatureSettings::stride_samples() const {
  if (!is_audio()) return motion.stride > 0 ? motion.stride : motion.window;
  return std::llround(audio.stride_ms * audio.sample_rate / 1000.0);
}

int FeatureSettings::effective_fft_length() const {
  if (!is_audio()) {
    if (motion.fft_bins == 0 && motion.peaks == 0) return 0;
    return motion.fft_length > 0 ? motion.fft_length
                                 : std::min(4096, smallest_fft(std::max(motion.window, 16)));
  }
  if (audio.fft_length > 0) return audio.fft_length;
  return smallest_fft(window_samples());
}

int FeatureSettings::frame_size() const {
  if (!is_audio()) {
    MotionFeatureSet set;
    set.mean = motion.mean;
    set.rms = motion.rms;
    set.std = motion.std;
    set.p2p = motion.p2p;
    set.fft_bins = motion.fft_bins;
    set.peaks = motion.peaks;
    return motion.axes * motion_features_per_axis(set);
  }
  return kind == Kind::kMfcc ? audio.coefficients : audio.channels;
}

int64_t FeatureSettings::frames_for(int64_t samples) const {
  if (samples < window_samples() || window_samples() < 1) return 0;
  return (samples - window_samples()) / stride_samples() + 1;
}

int64_t FeatureSettings::input_frames_for(int64_t samples) const {
  return audio.frames > 0 ? audio.frames : frames_for(samples);
}

int64_t FeatureSettings::inputs_per_clip(int64_t samples) const {
  const int64_t frames = frames_for(samples), per_input = input_frames_for(samples);
  if (frames < per_input || per_input < 1) return 0;
  return (frames - per_input) / std::max(1, audio.frames_stride) + 1;
}

const char* FeatureSettings::kind_name() const {
  switch (kind) {
    case Kind::kMfcc:
      return "mfcc";
    case Kind::kMotion:
      return "motion";
    default:
      return "log_mel";
  }
}

FeatureSettings parse_feature_settings(const YAML::Node& node) {
  if (!node.IsMap()) throw host::Error("features: expected a mapping of keys (docs/features.md)");
  FeatureSettings s;
  const std::string type = read<std::string>(node, "type", "log_mel", "log_mel, mfcc or motion");
  if (type == "log_mel") {
    s.kind = Kind::kLogMel;
  } else if (type == "mfcc") {
    s.kind = Kind::kMfcc;
  } else if (type == "motion") {
    s.kind = Kind::kMotion;
  } else {
    fail("type", "expected log_mel, mfcc or motion, got '" + type + "'");
  }
  if (s.kind == Kind::kMotion) {
    parse_motion(node, s.motion);
  } else {
    parse_audio(node, s);
  }
  return s;
}

void bind_motion_window(FeatureSettings& s, int window, int stride, int axes) {
  if (s.is_audio()) return;
  if (window < 2 || window > kMaxMotionWindow)
    throw host::Error("features: a motion window needs 2.." + std::to_string(kMaxMotionWindow) +
                      " rows (data.csv.window), got " + std::to_string(window));
  if (axes < 1 || axes > kMaxMotionAxes)
    throw host::Error("features: motion features take 1.." + std::to_string(kMaxMotionAxes) +
                      " feature columns, got " + std::to_string(axes));
  s.motion.window = window;
  s.motion.stride = stride > 0 ? stride : window;
  s.motion.axes = axes;
}

nlohmann::json to_json(const FeatureSettings& s) {
  if (!s.is_audio()) {
    const MotionFrontend& m = s.motion;
    nlohmann::json stats = nlohmann::json::array();
    if (m.mean) stats.push_back("mean");
    if (m.rms) stats.push_back("rms");
    if (m.std) stats.push_back("std");
    if (m.p2p) stats.push_back("p2p");
    return {{"type", "motion"},
            {"sample_rate", m.sample_rate},
            {"filter", m.filter == 0   ? "none"
                       : m.filter == 1 ? "low"
                                       : "high"},
            {"cutoff_hz", m.cutoff_hz},
            {"statistics", stats},
            {"fft_length", s.effective_fft_length()},
            {"fft_bins", m.fft_bins},
            {"peaks", m.peaks},
            {"window_samples", m.window},
            {"stride_samples", s.stride_samples()},
            {"axes", m.axes},
            {"frame_size", s.frame_size()}};
  }
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
  // recomputed, the motion window bound again).
  try {
    const bool motion = json.value("type", std::string()) == "motion";
    const std::vector<const char*> keys =
        motion ? std::vector<const char*>{"type",       "sample_rate", "filter",   "cutoff_hz",
                                          "statistics", "fft_length",  "fft_bins", "peaks"}
               : std::vector<const char*>{
                     "type",     "sample_rate", "window_ms", "stride_ms",       "fft_length",
                     "channels", "lower_hz",    "upper_hz",  "noise_reduction", "coefficients"};
    YAML::Node node;
    for (const char* key : keys) {
      if (!json.contains(key)) continue;
      const nlohmann::json& v = json.at(key);
      if (motion && std::string(key) == "cutoff_hz" && json.value("filter", "none") == "none")
        continue;
      if (v.is_string()) {
        node[key] = v.get<std::string>();
      } else if (v.is_boolean()) {
        node[key] = v.get<bool>();
      } else if (v.is_number_integer()) {
        node[key] = v.get<int64_t>();
      } else if (v.is_number()) {
        node[key] = v.get<double>();
      } else if (v.is_array()) {
        for (const auto& item : v) node[key].push_back(item.get<std::string>());
        if (v.empty()) node[key] = YAML::Load("[]");
      } else {
        throw host::Error(std::string("key '") + key + "' has the wrong type");
      }
    }
    FeatureSettings s = parse_feature_settings(node);
    if (motion)
      bind_motion_window(s, json.value("window_samples", 0), json.value("stride_samples", 0),
                         json.value("axes", 0));
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw host::Error(source + ": metadata 'features': " + e.what());
  } catch (const host::Error& e) {
    throw host::Error(source + ": metadata 'features': " + e.what());
  }
}

}  // namespace tinyforge::features
