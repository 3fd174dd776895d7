#include "toolkit/pipeline/features_run.h"

#include <cmath>

#include "toolkit/data/wav_folder.h"
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
  if (extractor.sample_type() != DataType::kInt16)
    throw host::Error(r.source.string() + ": takes " + dtype_name(extractor.sample_type()) +
                      " samples; features reads WAV clips into int16 feature models");
  if (r.input.extension() != ".wav") throw host::Error(r.input.string() + ": expected a .wav clip");

  int rate = 0;
  const std::vector<float> clip = data::read_wav_mono(r.input.string(), rate);
  if (settings && rate != settings->audio.sample_rate)
    throw host::Error(r.input.string() + ": sample rate " + std::to_string(rate) +
                      " Hz, the features expect " + std::to_string(settings->audio.sample_rate) +
                      " Hz (resample it, e.g. sox IN.wav -r " +
                      std::to_string(settings->audio.sample_rate) + " OUT.wav)");
  if (settings && extractor.window_samples() != settings->window_samples())
    throw host::Error(
        r.source.string() + ": its input holds " + std::to_string(extractor.window_samples()) +
        " samples, its metadata says a window is " + std::to_string(settings->window_samples()));
  int64_t stride = 0;
  if (r.stride_ms) {
    stride = std::llround(*r.stride_ms * rate / 1000.0);
  } else if (settings) {
    stride = settings->stride_samples();
  } else {
    throw host::Error(r.source.string() +
                      " has no tinyforge feature settings: give the hop with --stride-ms");
  }
  if (stride < 1)
    throw host::Error("--stride-ms: less than one sample at " + std::to_string(rate) + " Hz");
  const int64_t window = extractor.window_samples();
  if (static_cast<int64_t>(clip.size()) < window)
    throw host::Error(r.input.string() + ": " + std::to_string(clip.size()) +
                      " samples, shorter than one window (" + std::to_string(window) +
                      " samples, " + std::to_string(1000.0 * window / rate) + " ms)");
  const std::vector<int16_t> pcm = to_pcm16(clip, data::SampleFormat::kFloat);
  const std::vector<uint8_t> frames = extractor.run(
      {reinterpret_cast<const uint8_t*>(pcm.data()), pcm.size() * sizeof(int16_t)}, stride);
  host::write_file(r.output, frames.data(), frames.size());

  const TensorView frame = extractor.frame_tensor();
  nlohmann::json shape = nlohmann::json::array();
  for (int d = 0; d < frame.rank; ++d) shape.push_back(frame.dims[d]);
  return {{"output", r.output.string()},
          {"frames", extractor.frames_for(static_cast<int64_t>(pcm.size()), stride)},
          {"frame_shape", shape},
          {"dtype", dtype_name(frame.type)},
          {"window_samples", window},
          {"stride_samples", stride},
          {"sample_rate", rate}};
}

}  // namespace tinyforge::pipeline
