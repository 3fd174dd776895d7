#include "toolkit/pipeline/featurize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <thread>

#include "toolkit/features/feature_graph.h"
#include "toolkit/features/frame_extractor.h"
#include "toolkit/host/error.h"

namespace tinyforge::pipeline {
namespace {

// Appends `values` to `out` as a sample of clip `i` of `clips`: its label or targets and group.
void add_as_clip(data::Dataset& out, const data::Dataset& clips, int64_t i,
                 std::span<const float> values, std::string source) {
  if (clips.is_regression()) {
    out.add_regression(values, clips.target(i), std::move(source), clips.group(i));
  } else {
    out.add(values, clips.label(i), std::move(source), clips.group(i));
  }
}

}  // namespace

data::Dataset featurize(const data::Dataset& clips, const features::FeatureSettings& settings,
                        data::SampleFormat format) {
  const bool audio = settings.is_audio();
  // Audio: samples [length, 1], many windows per clip; motion: one [window, axes] window each.
  const int64_t length = audio ? clips.sample_size() : settings.window_samples();
  const int64_t frames = settings.frames_for(length);
  const int frame_size = settings.frame_size();
  if (frames < 1)
    throw host::Error("features: clips of " + std::to_string(length) +
                      " samples are shorter than one window (" +
                      std::to_string(settings.window_samples()) + " samples)");
  if (!audio && clips.sample_size() != settings.window_samples() * settings.motion.axes)
    throw host::Error("features: motion windows of " + std::to_string(clips.sample_size()) +
                      " values, expected " + std::to_string(settings.window_samples()) +
                      " rows x " + std::to_string(settings.motion.axes) + " axes");
  // Audio: each clip gives `inputs` samples of `input_frames` consecutive frames.
  const int64_t input_frames = audio ? settings.input_frames_for(length) : 1;
  const int64_t inputs = audio ? settings.inputs_per_clip(length) : 1;
  if (inputs < 1)
    throw host::Error("features.frames: " + std::to_string(input_frames) +
                      " frames per input, but clips of " + std::to_string(length) +
                      " samples give " + std::to_string(frames));
  const graph::Shape shape =
      audio ? graph::Shape{input_frames, frame_size, 1} : graph::Shape{frame_size};
  data::Dataset out = clips.is_regression() ? data::Dataset::regression(shape, clips.target_names())
                                            : data::Dataset(shape, clips.class_names());
  if (clips.empty()) return out;
  const std::vector<uint8_t> bytes = features::build_feature_model(settings);
  const host::ModelFile model(bytes.data(), bytes.size(), "feature graph");
  const features::FrameQuantization q = features::frame_quantization(settings);
  const int64_t per_clip = frames * frame_size;
  std::vector<float> values(static_cast<size_t>(clips.size() * per_clip));

  // Clips are independent: each worker has its own interpreter and a contiguous share.
  const int64_t workers = std::clamp<int64_t>(std::thread::hardware_concurrency(), 1,
                                              std::max<int64_t>(1, clips.size() / 64));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  auto work = [&](int64_t worker) {
    try {
      features::FrameExtractor extractor(model);
      for (int64_t i = clips.size() * worker / workers; i < clips.size() * (worker + 1) / workers;
           ++i) {
        extractor.reset();
        float* dst = values.data() + i * per_clip;
        if (!audio) {
          const std::span<const float> window = clips.sample(i);
          const std::vector<uint8_t> frame = extractor.run(
              {reinterpret_cast<const uint8_t*>(window.data()), window.size() * sizeof(float)},
              settings.stride_samples());
          std::memcpy(dst, frame.data(), static_cast<size_t>(per_clip) * sizeof(float));
          continue;
        }
        const std::vector<int16_t> pcm = data::to_pcm16(clips.sample(i), format);
        const std::vector<uint8_t> frame_bytes = extractor.run(
            {reinterpret_cast<const uint8_t*>(pcm.data()), pcm.size() * sizeof(int16_t)},
            settings.stride_samples());
        for (int64_t k = 0; k < per_clip; ++k)
          dst[k] =
              q.scale * (static_cast<int8_t>(frame_bytes[static_cast<size_t>(k)]) - q.zero_point);
      }
    } catch (...) {
      errors[static_cast<size_t>(worker)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int64_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);

  out.reserve(clips.size() * inputs);
  const int64_t input_size = input_frames * frame_size;
  const int64_t input_stride = static_cast<int64_t>(settings.audio.frames_stride) * frame_size;
  for (int64_t i = 0; i < clips.size(); ++i) {
    // The windows of a clip keep its source and group (never split; scored together).
    for (int64_t w = 0; w < inputs; ++w) {
      const std::span<const float> frame_values(values.data() + i * per_clip + w * input_stride,
                                                static_cast<size_t>(audio ? input_size : per_clip));
      add_as_clip(out, clips, i, frame_values, clips.source(i));
    }
  }
  out.skipped = clips.skipped;
  out.warnings = clips.warnings;
  out.group_kind = clips.group_kind;
  return out;
}

data::Dataset featurize_with_augmented_copies(const data::Dataset& clips,
                                              const features::FeatureSettings& settings,
                                              data::SampleFormat format,
                                              const data::AudioAugmentation& augmentation,
                                              int copies, uint64_t seed) {
  data::Dataset out = featurize(clips, settings, format);
  if (copies <= 0 || clips.empty()) return out;
  const int64_t inputs_per_clip = out.size() / clips.size();
  out.reserve(out.size() * (copies + 1));
  data::Rng rng(seed ^ 0x61756731ull);  // its own stream: the batch order's is untouched
  // Clips are augmented and featurized a chunk at a time: the raw copies are never all in memory.
  constexpr int64_t kChunk = 512;
  for (int copy = 1; copy <= copies; ++copy) {
    for (int64_t first = 0; first < clips.size(); first += kChunk) {
      std::vector<int64_t> indices;
      for (int64_t i = first; i < std::min(clips.size(), first + kChunk); ++i) indices.push_back(i);
      graph::Tensor batch = clips.gather(indices);
      data::augment_audio(batch, augmentation, rng);
      data::Dataset chunk = clips.subset(indices);
      std::copy(batch.data(), batch.data() + batch.size(), chunk.features().begin());
      const data::Dataset frames = featurize(chunk, settings, format);
      for (int64_t j = 0; j < frames.size(); ++j) {
        const int64_t i = indices[static_cast<size_t>(j / inputs_per_clip)];
        add_as_clip(out, clips, i, frames.sample(j),
                    clips.source(i) + " (augmented copy " + std::to_string(copy) + ")");
      }
    }
  }
  return out;
}

}  // namespace tinyforge::pipeline
