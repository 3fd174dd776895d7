#include "toolkit/pipeline/features_run.h"

#include <cmath>
#include <cstring>

#include "toolkit/data/wav_folder.h"
#include "toolkit/deploy/app_config.h"
#include "toolkit/deploy/stream_input.h"
#include "toolkit/features/feature_graph.h"
#include "toolkit/features/frame_extractor.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/pipeline/featurize.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::pipeline {
namespace {

namespace fs = std::filesystem;

bool is_project(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

bool is_csv(const fs::path& path) { return path.extension() == ".csv"; }

// A recording as the feature model's samples, with its rate: int16 PCM from a WAV clip (at the
// settings' rate), or float32 rows of a sensor CSV (as the stream application reads them).
struct Recording {
  std::vector<uint8_t> bytes;
  int64_t samples = 0;
  int rate = 0;
};

Recording read_recording(const fs::path& input, const features::FrameExtractor& extractor,
                         const std::optional<features::FeatureSettings>& settings,
                         const std::string& model_label) {
  Recording r;
  if (extractor.sample_type() == DataType::kFloat32) {
    if (!is_csv(input))
      throw host::Error(input.string() + ": " + model_label +
                        " takes sensor samples; expected a .csv recording (one row per sample)");
    deploy::AppConfig config;
    config.samples = app::SampleKind::kSensorFloat32;
    config.axes = static_cast<uint32_t>(extractor.channels());
    config.window = static_cast<uint32_t>(extractor.window_samples());
    config.sample_rate_hz = static_cast<uint32_t>(settings ? settings->sample_rate() : 100);
    const deploy::StreamSamples samples = deploy::read_stream_input(input, config);
    r.bytes = samples.bytes;
    r.samples = samples.count;
    r.rate = static_cast<int>(config.sample_rate_hz);
    return r;
  }
  if (extractor.sample_type() != DataType::kInt16)
    throw host::Error(model_label + ": takes " + dtype_name(extractor.sample_type()) +
                      " samples; features runs int16 audio and float32 sensor feature models");
  if (input.extension() != ".wav") throw host::Error(input.string() + ": expected a .wav clip");
  const std::vector<float> clip = data::read_wav_mono(input.string(), r.rate);
  if (settings && r.rate != settings->audio.sample_rate)
    throw host::Error(input.string() + ": sample rate " + std::to_string(r.rate) +
                      " Hz, the features expect " + std::to_string(settings->audio.sample_rate) +
                      " Hz (resample it, e.g. sox IN.wav -r " +
                      std::to_string(settings->audio.sample_rate) + " OUT.wav)");
  const int64_t window = extractor.window_samples();
  if (static_cast<int64_t>(clip.size()) < window)
    throw host::Error(input.string() + ": " + std::to_string(clip.size()) +
                      " samples, shorter than one window (" + std::to_string(window) +
                      " samples, " + std::to_string(1000.0 * window / r.rate) + " ms)");
  const std::vector<int16_t> pcm = data::to_pcm16(clip, data::SampleFormat::kFloat);
  r.samples = static_cast<int64_t>(pcm.size());
  r.bytes.resize(pcm.size() * sizeof(int16_t));
  std::memcpy(r.bytes.data(), pcm.data(), r.bytes.size());
  return r;
}

}  // namespace

nlohmann::json run_features(const FeaturesRequest& r) {
  if (r.output.empty()) throw host::Error("features: give the output file with -o FRAMES.bin");
  if (r.stride_ms && !(*r.stride_ms > 0))
    throw host::Error("--stride-ms: expected a positive number of milliseconds");
  std::vector<uint8_t> model_bytes;
  std::optional<features::FeatureSettings> settings;
  if (is_project(r.source)) {
    const Project project = load_project(r.source);
    if (!project.features)
      throw host::Error(r.source.string() + ": has no features block (docs/features.md)");
    settings = project.features;
    if (!settings->is_audio()) {
      // The window and stride are the project's data.csv; the axes are the recording's columns.
      if (!is_csv(r.input))
        throw host::Error(r.input.string() + ": motion features read a .csv recording");
      features::bind_motion_window(*settings, project.data.csv.window, project.data.csv.stride,
                                   static_cast<int>(deploy::sensor_columns(r.input)));
    }
    model_bytes = features::build_feature_model(*settings);
  } else {
    model_bytes = host::read_file(r.source);
  }
  const host::ModelFile model(model_bytes.data(), model_bytes.size(), r.source.string());
  if (!settings) {
    const nlohmann::json stored = tflite::read_metadata(model_bytes, r.source.string())
                                      .extra.value("features", nlohmann::json());
    if (!stored.is_null())
      settings = features::feature_settings_from_json(stored, r.source.string());
  }
  features::FrameExtractor extractor(model);
  if (settings && extractor.window_samples() != settings->window_samples())
    throw host::Error(
        r.source.string() + ": its input holds " + std::to_string(extractor.window_samples()) +
        " samples, its metadata says a window is " + std::to_string(settings->window_samples()));
  const Recording recording = read_recording(r.input, extractor, settings, r.source.string());
  int64_t stride = 0;
  if (r.stride_ms) {
    stride = std::llround(*r.stride_ms * recording.rate / 1000.0);
  } else if (settings) {
    stride = settings->stride_samples();
  } else {
    throw host::Error(r.source.string() +
                      " has no tinyforge feature settings: give the hop with --stride-ms");
  }
  if (stride < 1)
    throw host::Error("--stride-ms: less than one sample at " + std::to_string(recording.rate) +
                      " Hz");
  const int64_t window = extractor.window_samples();
  const std::vector<uint8_t> frames = extractor.run(recording.bytes, stride);
  host::write_file(r.output, frames.data(), frames.size());

  const TensorView frame = extractor.frame_tensor();
  nlohmann::json shape = nlohmann::json::array();
  for (int d = 0; d < frame.rank; ++d) shape.push_back(frame.dims[d]);
  return {
      {"output", r.output.string()},  {"frames", extractor.frames_for(recording.samples, stride)},
      {"frame_shape", shape},         {"dtype", dtype_name(frame.type)},
      {"window_samples", window},     {"stride_samples", stride},
      {"sample_rate", recording.rate}};
}

}  // namespace tinyforge::pipeline
