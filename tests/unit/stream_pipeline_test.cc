// The stream application core (firmware/app/stream_pipeline.h) on the host: windows at every
// stride whatever the chunking, F frames stacked oldest first, the classifier every K strides,
// samples converted into the models' dtypes, the reconstruction error, and the contract's errors.
#include "app/stream_pipeline.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/stream_models.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

using app::SampleKind;
using app::Settings;
using app::StreamPipeline;

// A pipeline over in-memory models, with its settings' arrays and working memory.
struct Harness {
  std::unique_ptr<host::ModelFile> classifier_file, features_file;
  std::unique_ptr<host::HostInterpreter> classifier, features;
  std::vector<std::string> label_names;
  std::vector<const char*> labels;
  std::vector<int32_t> thresholds;
  Settings settings;
  std::vector<uint64_t> storage;
  StreamPipeline pipeline;

  Harness(const std::vector<uint8_t>& classifier_bytes, const std::vector<uint8_t>* features_bytes,
          Settings s, int num_labels, int32_t threshold = kNeverFires)
      : settings(s) {
    classifier_file = std::make_unique<host::ModelFile>(classifier_bytes.data(),
                                                        classifier_bytes.size(), "classifier");
    classifier = std::make_unique<host::HostInterpreter>(*classifier_file);
    if (features_bytes != nullptr) {
      features_file = std::make_unique<host::ModelFile>(features_bytes->data(),
                                                        features_bytes->size(), "features");
      features = std::make_unique<host::HostInterpreter>(*features_file);
    }
    for (int i = 0; i < num_labels; ++i) label_names.push_back("c" + std::to_string(i));
    for (const auto& n : label_names) labels.push_back(n.c_str());
    thresholds.assign(static_cast<size_t>(num_labels), threshold);
    settings.num_labels = num_labels;
    settings.labels = labels.data();
    settings.thresholds = thresholds.data();
  }

  Status init() {
    const uint32_t bytes = StreamPipeline::storage_bytes(
        settings, features_file ? &features_file->model() : nullptr, classifier_file->model());
    storage.assign(bytes / 8 + 1, 0);
    return pipeline.init(settings, features ? &features->get() : nullptr, &classifier->get(),
                         storage.data(), bytes);
  }

  // Pushes `samples` in chunks of `chunk` samples; returns the events.
  template <typename T>
  std::vector<Event> push(const std::vector<T>& samples, uint32_t chunk) {
    std::vector<Event> all;
    const uint32_t axes = settings.axes;
    const uint32_t count = static_cast<uint32_t>(samples.size() / axes);
    for (uint32_t done = 0; done < count; done += chunk) {
      const uint32_t n = std::min(chunk, count - done);
      Event events[8];
      int num = 0;
      EXPECT_EQ(pipeline.push(samples.data() + done * axes, n, done + n, events, 8, &num),
                Status::kOk)
          << pipeline.error();
      all.insert(all.end(), events, events + num);
    }
    return all;
  }
};

Settings sensor_settings(uint32_t window, uint32_t stride, uint32_t axes = 1) {
  Settings s;
  s.samples = SampleKind::kSensorFloat32;
  s.axes = axes;
  s.sample_rate_hz = 1000;
  s.window = window;
  s.stride = stride;
  return s;
}

std::vector<float> ramp(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return v;
}

// Frames are the windows themselves (a RESHAPE feature model), the classifier's scores its input:
// after the last stride, the averages are the last three windows, oldest first.
TEST(StreamPipeline, StacksTheLastFramesOldestFirstWhateverTheChunks) {
  const auto features = pass_through(DataType::kFloat32, {1, 4}, {4});
  const auto classifier = pass_through(DataType::kFloat32, {1, 12}, {12});
  for (uint32_t chunk : {1u, 2u, 3u, 7u, 100u}) {
    SCOPED_TRACE(chunk);
    Harness h(classifier, &features, sensor_settings(4, 2), 12);
    ASSERT_EQ(h.init(), Status::kOk) << h.pipeline.error();
    EXPECT_EQ(h.pipeline.frames_per_inference(), 3);
    h.push(ramp(21), chunk);
    // Windows end at 4, 6, ..., 20: nine strides; the classifier runs from the third on.
    EXPECT_EQ(h.pipeline.strides(), 9u);
    EXPECT_EQ(h.pipeline.inferences(), 7u);
    for (int i = 0; i < 12; ++i) {
      const int window = i / 4, offset = i % 4;  // windows [12,16), [14,18), [16,20)
      EXPECT_EQ(h.pipeline.averages()[i], (12 + 2 * window + offset) * kScoreOne) << i;
    }
  }
}

TEST(StreamPipeline, ClassifierRunsEveryKStrides) {
  const auto classifier = pass_through(DataType::kFloat32, {1, 4}, {4});
  Settings s = sensor_settings(4, 1);
  s.inference_period = 3;
  Harness h(classifier, nullptr, s, 4);
  ASSERT_EQ(h.init(), Status::kOk) << h.pipeline.error();
  h.push(ramp(14), 5);
  // Strides at 4..14 (11); the classifier at the first (window [0,4)) and every third after.
  EXPECT_EQ(h.pipeline.strides(), 11u);
  EXPECT_EQ(h.pipeline.inferences(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h.pipeline.averages()[i], (9 + i) * kScoreOne);
}

// A stride longer than the window skips samples: windows [0,3), [5,8), [10,13).
TEST(StreamPipeline, StrideLongerThanTheWindowSkipsSamples) {
  const auto classifier = pass_through(DataType::kFloat32, {3}, {3});
  Harness h(classifier, nullptr, sensor_settings(3, 5), 3);
  ASSERT_EQ(h.init(), Status::kOk) << h.pipeline.error();
  h.push(ramp(13), 4);
  EXPECT_EQ(h.pipeline.strides(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.pipeline.averages()[i], (10 + i) * kScoreOne);
}

// Audio samples (real value s / 32768) quantized into an int8 input of scale 1/64; sensor values
// normalized per axis first.
TEST(StreamPipeline, ConvertsSamplesIntoTheClassifiersDtype) {
  const auto classifier = pass_through(DataType::kInt8, {1, 4}, {4}, per_tensor(1.0f / 64, 0));
  Settings audio;
  audio.samples = SampleKind::kAudioInt16;
  audio.sample_rate_hz = 16000;
  audio.window = 4;
  audio.stride = 4;
  Harness a(classifier, nullptr, audio, 4);
  ASSERT_EQ(a.init(), Status::kOk) << a.pipeline.error();
  a.push(std::vector<int16_t>{16384, -16384, 256, 32767}, 4);
  // 0.5 -> 32, -0.5 -> -32, 0.0078 -> 0.5 -> 1 (half away from zero), 0.99997 -> 63.998 -> 64.
  const int32_t expected[4] = {32 * 1024, -32 * 1024, 1024, 64 * 1024};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.pipeline.averages()[i], expected[i]) << i;

  const float mean[2] = {1.0f, -1.0f}, std_dev[2] = {0.5f, 2.0f};
  Settings sensor = sensor_settings(2, 2, 2);
  sensor.input_mean = mean;
  sensor.input_std = std_dev;
  sensor.norm_channels = 2;
  Harness n(classifier, nullptr, sensor, 4);
  ASSERT_EQ(n.init(), Status::kOk) << n.pipeline.error();
  n.push(std::vector<float>{1.5f, 1.0f, 0.0f, -2.0f}, 2);
  // (1.5 - 1) / 0.5 = 1, (1 + 1) / 2 = 1, (0 - 1) / 0.5 = -2, (-2 + 1) / 2 = -0.5
  const int32_t normalized[4] = {64 * 1024, 64 * 1024, -128 * 1024, -32 * 1024};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(n.pipeline.averages()[i], normalized[i]) << i;
}

TEST(StreamPipeline, ReconstructionErrorFiresAnAnomaly) {
  const auto autoencoder = null_autoencoder(4);
  Settings s = sensor_settings(4, 4);
  s.scoring = app::Scoring::kReconstruction;
  Harness h(autoencoder, nullptr, s, 1, kScoreOne / 2);
  ASSERT_EQ(h.init(), Status::kOk) << h.pipeline.error();
  // Quiet (mean square 0.0625), then loud (1.0) at 8 ms: one event.
  const auto events = h.push(std::vector<float>{0.25f, -0.25f, 0.25f, -0.25f, 1, -1, 1, -1}, 4);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].label, 0);
  EXPECT_EQ(events[0].score, kScoreOne);
  EXPECT_EQ(events[0].time_ms, 8u);
}

TEST(StreamPipeline, ContractViolationsAreErrorsNotCrashes) {
  const auto features = pass_through(DataType::kFloat32, {1, 4}, {4});
  const auto classifier = pass_through(DataType::kFloat32, {1, 10}, {10});
  Harness frames(classifier, &features, sensor_settings(4, 2), 10);
  EXPECT_EQ(frames.init(), Status::kUnsupported);
  EXPECT_NE(std::string(frames.pipeline.error()).find("not a whole number of feature frames"),
            std::string::npos)
      << frames.pipeline.error();

  Harness window(classifier, nullptr, sensor_settings(8, 2), 10);
  EXPECT_EQ(window.init(), Status::kUnsupported);
  EXPECT_NE(std::string(window.pipeline.error()).find("has 10 values"), std::string::npos)
      << window.pipeline.error();

  Harness labels(classifier, nullptr, sensor_settings(10, 2), 3);
  EXPECT_EQ(labels.init(), Status::kUnsupported);
  EXPECT_NE(std::string(labels.pipeline.error()).find("there are 3 labels"), std::string::npos)
      << labels.pipeline.error();

  Harness small(classifier, nullptr, sensor_settings(10, 2), 10);
  ASSERT_EQ(small.init(), Status::kOk);
  EXPECT_EQ(small.pipeline.init(small.settings, nullptr, &small.classifier->get(),
                                small.storage.data(), 8),
            Status::kInvalidArgument);
  Event events[1];
  int num = 0;
  const float sample = 0;
  EXPECT_EQ(small.pipeline.push(&sample, 1, 0, events, 1, &num), Status::kNotReady);

  Harness zero(classifier, nullptr, sensor_settings(10, 0), 10);
  EXPECT_EQ(zero.init(), Status::kUnsupported);
  EXPECT_EQ(StreamPipeline::storage_bytes(zero.settings, nullptr, zero.classifier_file->model()),
            0u);
}

}  // namespace
}  // namespace tinyforge::testing
