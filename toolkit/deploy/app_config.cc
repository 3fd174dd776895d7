#include "toolkit/deploy/app_config.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "app/stream_pipeline.h"
#include "tinyforge/postprocess.h"
#include "toolkit/features/settings.h"
#include "toolkit/host/error.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::deploy {
namespace {

using host::Error;
using nlohmann::json;

// Classes that are the absence of an event: scored, but they fire only when given a threshold.
const std::set<std::string>& background_labels() {
  static const std::set<std::string> names = {
      "silence", "_silence_", "unknown", "_unknown_", "background", "_background_noise_",
      "noise",   "idle",      "none",    "other",     "null",       "rest",
      "normal"};
  return names;
}

// What the models' `tinyforge` metadata holds for the application: the classifier's labels and
// input normalization, and the feature settings (training records them in both models).
struct StoredSettings {
  tflite::Metadata classifier;
  std::optional<features::FeatureSettings> features;
};

StoredSettings stored_settings(const host::ModelFile& classifier, const host::ModelFile* features) {
  StoredSettings stored;
  stored.classifier = tflite::read_metadata(*classifier.model().flatbuffer(), classifier.label());
  for (const host::ModelFile* file : {features, &classifier}) {
    if (file == nullptr || stored.features) continue;
    const json block = file == &classifier
                           ? stored.classifier.extra.value("features", json())
                           : tflite::read_metadata(*file->model().flatbuffer(), file->label())
                                 .extra.value("features", json());
    if (!block.is_null()) {
      stored.features = features::feature_settings_from_json(block, file->label());
    }
  }
  return stored;
}

const char* scoring_name(app::Scoring scoring) {
  switch (scoring) {
    case app::Scoring::kReconstruction:
      return "kReconstruction";
    case app::Scoring::kSoftmax:
      return "kSoftmax";
    default:
      return "kClasses";
  }
}

// tinyforge's classifiers end in logits (training applies the softmax in the loss); TFLM models
// such as micro_speech end in SOFTMAX. Thresholds are probabilities either way.
bool ends_in_softmax(const Model& model) {
  const int output = model.output_tensor(0);
  for (int i = 0; i < model.num_operators(); ++i) {
    for (int k = 0; k < model.op_num_outputs(i); ++k) {
      if (model.op_output(i, k) == output)
        return std::string(op_name(model.op_code(i))) == "SOFTMAX";
    }
  }
  return false;
}

int32_t to_q16(double value) {
  const double scaled = std::round(value * kScoreOne);
  return static_cast<int32_t>(std::clamp(scaled, -2147483648.0, 2147483646.0));
}

// The values per sample a raw-window model's input implies: its last dimension once the size-1
// dimensions are dropped ([1, window, axes] -> axes), 1 for a flat input.
uint32_t axes_of(const TensorView& input) {
  std::vector<int32_t> dims;
  for (int i = 0; i < input.rank; ++i) {
    if (input.dims[i] != 1) dims.push_back(input.dims[i]);
  }
  return dims.size() >= 2 ? static_cast<uint32_t>(dims.back()) : 1u;
}

std::string c_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\%03o", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string float_list(const std::vector<float>& values) {
  std::ostringstream s;
  s << std::hexfloat;
  for (size_t i = 0; i < values.size(); ++i) s << (i ? ", " : "") << values[i] << "f";
  return s.str();
}

}  // namespace

const std::vector<std::string>& app_kinds() {
  static const std::vector<std::string> kinds = {"kws", "anomaly", "gesture", "classify"};
  return kinds;
}

app::Settings AppConfig::settings() const {
  label_pointers_.clear();
  for (const auto& label : labels) label_pointers_.push_back(label.c_str());
  app::Settings s;
  s.samples = samples;
  s.axes = axes;
  s.sample_rate_hz = sample_rate_hz;
  s.window = window;
  s.stride = stride;
  s.inference_period = inference_period;
  s.average_count = average_count;
  s.suppression_ms = suppression_ms;
  s.scoring = scoring;
  s.num_labels = static_cast<int32_t>(labels.size());
  s.labels = label_pointers_.data();
  s.thresholds = thresholds.data();
  if (!input_mean.empty()) {
    s.input_mean = input_mean.data();
    s.input_std = input_std.data();
    s.norm_channels = static_cast<int32_t>(input_mean.size());
  }
  return s;
}

json AppConfig::to_json() const {
  json thresholds_json = json::object();
  for (size_t i = 0; i < labels.size(); ++i) {
    thresholds_json[labels[i]] = thresholds[i] == kNeverFires
                                     ? json(nullptr)
                                     : json(std::round(1e4 * thresholds[i] / kScoreOne) / 1e4);
  }
  return {{"app", app},
          {"source", samples == app::SampleKind::kAudioInt16 ? "audio" : "sensor"},
          {"axes", axes},
          {"sample_rate_hz", sample_rate_hz},
          {"window", window},
          {"stride", stride},
          {"inference_period", inference_period},
          {"average_count", average_count},
          {"suppression_ms", suppression_ms},
          {"scores", scoring == app::Scoring::kReconstruction ? "reconstruction_mse"
                     : scoring == app::Scoring::kSoftmax      ? "softmax_of_logits"
                                                              : "outputs"},
          {"labels", labels},
          {"thresholds", thresholds_json}};
}

std::string AppConfig::cpp_definitions() const {
  std::ostringstream s;
  s << "const char* const kLabels[] = {";
  for (size_t i = 0; i < labels.size(); ++i) s << (i ? ", " : "") << c_string(labels[i]);
  s << "};\n// Q16 (65536 = 1.0); 2147483647: never fires.\nconst int32_t kThresholds[] = {";
  for (size_t i = 0; i < thresholds.size(); ++i) s << (i ? ", " : "") << thresholds[i];
  s << "};\n";
  if (!input_mean.empty()) {
    s << "const float kInputMean[] = {" << float_list(input_mean) << "};\n"
      << "const float kInputStd[] = {" << float_list(input_std) << "};\n";
  }
  s << "constexpr tinyforge::app::Settings kSettings = [] {\n"
    << "  tinyforge::app::Settings s;\n"
    << "  s.samples = tinyforge::app::SampleKind::"
    << (samples == app::SampleKind::kAudioInt16 ? "kAudioInt16" : "kSensorFloat32") << ";\n"
    << "  s.axes = " << axes << ";\n"
    << "  s.sample_rate_hz = " << sample_rate_hz << ";\n"
    << "  s.window = " << window << ";\n"
    << "  s.stride = " << stride << ";\n"
    << "  s.inference_period = " << inference_period << ";\n"
    << "  s.average_count = " << average_count << ";\n"
    << "  s.suppression_ms = " << suppression_ms << ";\n"
    << "  s.scoring = tinyforge::app::Scoring::" << scoring_name(scoring) << ";\n"
    << "  s.num_labels = " << labels.size() << ";\n"
    << "  s.labels = kLabels;\n"
    << "  s.thresholds = kThresholds;\n";
  if (!input_mean.empty()) {
    s << "  s.input_mean = kInputMean;\n  s.input_std = kInputStd;\n"
      << "  s.norm_channels = " << input_mean.size() << ";\n";
  }
  s << "  return s;\n}();\n";
  return s.str();
}

AppConfig resolve_app_config(const AppOptions& o, const host::ModelFile& classifier,
                             const host::ModelFile* features) {
  AppConfig c;
  c.app = o.app;
  if (std::find(app_kinds().begin(), app_kinds().end(), o.app) == app_kinds().end()) {
    throw Error("--app '" + o.app + "': expected kws, anomaly, gesture or classify");
  }
  const Model& model = classifier.model();
  if (model.num_inputs() != 1 || model.num_outputs() < 1) {
    throw Error(classifier.label() + ": a stream classifier has one input and an output (it has " +
                std::to_string(model.num_inputs()) + " inputs)");
  }
  const TensorView input = model.tensor(model.input_tensor(0));
  const TensorView output = model.tensor(model.output_tensor(0));
  const StoredSettings stored = stored_settings(classifier, features);
  const std::optional<features::FeatureSettings>& frontend = stored.features;
  const TensorView raw_input =
      features != nullptr ? features->model().tensor(features->model().input_tensor(0)) : input;

  std::string source = o.source;
  if (source.empty()) {
    if (o.app == "kws")
      source = "audio";
    else if (o.app == "gesture")
      source = "sensor";
    else
      source = raw_input.type == DataType::kInt16 ? "audio" : "sensor";
  }
  if (source != "audio" && source != "sensor") {
    throw Error("--source '" + source + "': expected audio or sensor");
  }
  c.samples = source == "audio" ? app::SampleKind::kAudioInt16 : app::SampleKind::kSensorFloat32;

  const std::vector<float>& mean = stored.classifier.input_mean;
  const std::vector<float>& std_dev = stored.classifier.input_std;
  if (c.samples == app::SampleKind::kAudioInt16) {
    if (o.axes && *o.axes != 1)
      throw Error("--axes " + std::to_string(*o.axes) + ": audio is mono");
    c.axes = 1;
  } else if (o.axes) {
    c.axes = *o.axes;
  } else if (features == nullptr && mean.size() > 1) {
    c.axes = static_cast<uint32_t>(mean.size());
  } else {
    c.axes = axes_of(raw_input);
  }
  if (c.axes < 1) throw Error("--axes: at least 1");

  if (o.window) {
    c.window = *o.window;
  } else if (frontend) {
    c.window = static_cast<uint32_t>(frontend->window_samples());
  } else {
    const int64_t values = raw_input.elements();
    if (values % c.axes != 0) {
      throw Error((features ? features->label() : classifier.label()) + ": input 0 has " +
                  std::to_string(values) + " values, not a whole number of samples of " +
                  std::to_string(c.axes) + " axes (--axes, --window)");
    }
    c.window = static_cast<uint32_t>(values / c.axes);
  }
  if (o.sample_rate_hz) {
    c.sample_rate_hz = *o.sample_rate_hz;
  } else if (frontend) {
    c.sample_rate_hz = static_cast<uint32_t>(frontend->sample_rate());
  } else {
    c.sample_rate_hz = c.samples == app::SampleKind::kAudioInt16 ? 16000 : 100;
  }
  if (o.stride) {
    c.stride = *o.stride;
  } else if (frontend) {
    c.stride = static_cast<uint32_t>(frontend->stride_samples());
  } else if (c.samples == app::SampleKind::kAudioInt16 && features != nullptr) {
    c.stride = std::min(c.window, c.sample_rate_hz / 50);  // the usual 20 ms hop of audio frontends
  } else {
    c.stride = std::max(1u, c.window / 2);
  }
  // An anomaly detector trained on windows of a clip's frames averages as its clips were scored
  // (metadata anomaly_period, anomaly_average; pipeline/anomaly.h).
  const json& extra = stored.classifier.extra;
  const bool anomaly = o.app == "anomaly";
  c.inference_period =
      o.inference_period.value_or(anomaly ? extra.value("anomaly_period", 1u) : 1u);
  c.average_count = o.average_count.value_or(o.app == "kws" ? 3u
                                             : anomaly      ? extra.value("anomaly_average", 1u)
                                                            : 1u);
  c.suppression_ms = o.suppression_ms.value_or(1000);
  for (const auto& [value, flag] : {std::pair{c.window, "--window"},
                                    {c.stride, "--stride"},
                                    {c.sample_rate_hz, "--sample-rate"},
                                    {c.inference_period, "--period"},
                                    {c.average_count, "--average"}}) {
    if (value < 1) throw Error(std::string(flag) + ": at least 1");
  }

  if (o.app == "anomaly") {
    c.scoring = app::Scoring::kReconstruction;
    if (o.labels.size() > 1) throw Error("--labels: an anomaly detector has one label");
    c.labels = o.labels.empty() ? std::vector<std::string>{"anomaly"} : o.labels;
    // The threshold training (or convert) chose and stored, unless given.
    std::optional<double> threshold = o.threshold;
    if (!threshold && extra.contains("anomaly_threshold") && extra["anomaly_threshold"].is_number())
      threshold = extra["anomaly_threshold"].get<double>();
    if (!threshold) {
      throw Error(classifier.label() +
                  ": no anomaly_threshold in its metadata; give --threshold, the mean squared "
                  "reconstruction error from which a window counts as an anomaly");
    }
    c.thresholds = {to_q16(*threshold)};
  } else {
    c.scoring = ends_in_softmax(model) || output.elements() < 2 ? app::Scoring::kClasses
                                                                : app::Scoring::kSoftmax;
    if (!o.labels.empty()) {
      c.labels = o.labels;
    } else if (!stored.classifier.labels.empty()) {
      c.labels = stored.classifier.labels;
    } else {
      for (int64_t i = 0; i < output.elements(); ++i)
        c.labels.push_back("class" + std::to_string(i));
    }
    if (static_cast<int64_t>(c.labels.size()) != output.elements()) {
      throw Error(classifier.label() + ": output 0 has " + std::to_string(output.elements()) +
                  " scores, but " + std::to_string(c.labels.size()) + " labels were given" +
                  (o.labels.empty() ? " (metadata 'labels')" : " (--labels)"));
    }
    const int32_t base = to_q16(o.threshold.value_or(o.app == "kws" ? 0.75 : 0.6));
    for (const auto& label : c.labels) {
      const bool ignored = o.ignore ? std::count(o.ignore->begin(), o.ignore->end(), label) > 0
                                    : background_labels().count(label) > 0;
      c.thresholds.push_back(ignored ? kNeverFires : base);
    }
    if (o.ignore) {
      for (const auto& label : *o.ignore) {
        if (std::count(c.labels.begin(), c.labels.end(), label) == 0) {
          throw Error("--ignore: no label '" + label + "'");
        }
      }
    }
  }
  for (const auto& label : c.labels) {
    if (label.empty() || label.find_first_of(" \t\r\n") != std::string::npos) {
      throw Error("label '" + label + "': labels are single words (they end up in ACT log lines)");
    }
  }
  for (const auto& entry : o.class_thresholds) {
    const size_t eq = entry.find('=');
    const auto it = std::find(c.labels.begin(), c.labels.end(), entry.substr(0, eq));
    double value = 0;
    try {
      size_t used = 0;
      value = eq == std::string::npos ? NAN : std::stod(entry.substr(eq + 1), &used);
      if (used != entry.size() - eq - 1) value = NAN;
    } catch (const std::exception&) {
      value = NAN;
    }
    if (it == c.labels.end() || !std::isfinite(value)) {
      throw Error("--thresholds '" + entry + "': expected LABEL=VALUE with one of the labels");
    }
    c.thresholds[static_cast<size_t>(it - c.labels.begin())] = to_q16(value);
  }

  if (!mean.empty() || !std_dev.empty()) {
    if (mean.size() != std_dev.size() ||
        input.elements() % static_cast<int64_t>(mean.size()) != 0 ||
        std::any_of(std_dev.begin(), std_dev.end(), [](float s) { return !(s > 0); })) {
      throw Error(classifier.label() +
                  ": metadata input_mean/input_std: expected one mean and one positive std per "
                  "channel of input 0");
    }
    c.input_mean = mean;
    c.input_std = std_dev;
  }

  ErrorMessage error;
  const app::Settings settings = c.settings();
  c.storage_bytes = app::StreamPipeline::storage_bytes(
      settings, features != nullptr ? &features->model() : nullptr, model, &error);
  if (c.storage_bytes == 0) {
    throw Error(classifier.label() + (features ? " with features " + features->label() : "") +
                ": " + error.c_str());
  }
  return c;
}

}  // namespace tinyforge::deploy
