// TFLite Micro's micro_speech example end to end: the audio frontend as a graph of signal
// operators (audio_preprocessor_int8.tflite: 30 ms windows every 20 ms, one stateful interpreter
// per clip) must give the int8 49x40 features TFLM computed byte for byte, and
// micro_speech_quantized must then give TFLM's outputs and the expected labels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/require_qemu.h"
#include "tests/support/shared_data.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/features/frame_extractor.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kFrames = 49;
constexpr int kStride = 320;  // 20 ms at 16 kHz

fs::path conformance() { return shared_dir() / "conformance"; }

nlohmann::json clips() {
  std::ifstream in(conformance() / "manifest.json");
  return nlohmann::json::parse(in)["testdata"]["micro_speech"];
}

// The clip as int16 PCM bytes (16-bit WAVs read back exactly from libsndfile's floats).
std::vector<uint8_t> pcm16(const fs::path& wav) {
  int rate = 0;
  const std::vector<float> samples = data::read_wav_mono(wav.string(), rate);
  EXPECT_EQ(rate, 16000) << wav;
  std::vector<uint8_t> bytes(samples.size() * 2);
  for (size_t i = 0; i < samples.size(); ++i) {
    const int16_t v = static_cast<int16_t>(std::lround(samples[i] * 32768.0f));
    std::memcpy(bytes.data() + 2 * i, &v, 2);
  }
  return bytes;
}

// TFLM's frames for one clip, zero beyond the audio, as its test stores them.
std::vector<uint8_t> features(const fs::path& wav) {
  const host::ModelFile preprocessor(conformance() / "testdata" / "micro_speech" /
                                     "audio_preprocessor_int8.tflite");
  features::FrameExtractor extractor(preprocessor);
  EXPECT_EQ(extractor.window_samples(), 480);
  EXPECT_EQ(extractor.frame_bytes(), 40u);
  std::vector<uint8_t> frames = extractor.run(pcm16(wav), kStride);
  frames.resize(kFrames * extractor.frame_bytes(), 0);
  return frames;
}

TEST(MicroSpeech, FeaturesAreByteIdenticalToTflm) {
  TINYFORGE_REQUIRE_SHARED();
  int checked = 0;
  const nlohmann::json all = clips();
  for (const auto& [name, clip] : all.items()) {
    const std::vector<uint8_t> got = features(conformance() / clip["wav"].get<std::string>());
    const std::vector<uint8_t> want =
        host::read_file(conformance() / clip["features_file"].get<std::string>());
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(static_cast<int8_t>(got[i]), static_cast<int8_t>(want[i]))
          << name << ": frame " << i / 40 << ", channel " << i % 40;
    }
    if (clip.contains("expected_first_feature")) {
      const auto expected = clip["expected_first_feature"].get<std::vector<int>>();
      for (size_t c = 0; c < expected.size(); ++c)
        EXPECT_EQ(static_cast<int8_t>(got[c]), expected[c]) << name << ": channel " << c;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(MicroSpeech, ModelLabelsTheFeaturesAsTflm) {
  TINYFORGE_REQUIRE_SHARED();
  const host::ModelFile model(conformance() / "models" / "micro_speech_quantized.tflite");
  int checked = 0;
  const nlohmann::json all = clips();
  for (const auto& [name, clip] : all.items()) {
    if (!clip.contains("model")) continue;
    host::HostInterpreter interpreter(model);
    const std::vector<uint8_t> frames = features(conformance() / clip["wav"].get<std::string>());
    const TensorView input = interpreter.get().input(0);
    ASSERT_EQ(input.bytes(), frames.size()) << name;
    std::memcpy(input.data, frames.data(), frames.size());
    interpreter.invoke();
    const TensorView output = interpreter.get().output(0);
    const std::vector<uint8_t> want =
        host::read_file(conformance() / clip["tflm_output_file"].get<std::string>());
    ASSERT_EQ(output.bytes(), want.size()) << name;
    EXPECT_EQ(std::memcmp(output.data, want.data(), want.size()), 0) << name;
    const int8_t* scores = output.as<int8_t>();
    int best = 0;
    for (int i = 1; i < static_cast<int>(output.elements()); ++i)
      if (scores[i] > scores[best]) best = i;
    EXPECT_EQ(clip["labels"][best], clip["expected_label"]) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

// The same on the emulated Cortex-M4F: the frontend runs its 49 windows as one stream in one
// interpreter (state carried over), then the classifier runs the four clips' golden features.
TEST(MicroSpeech, FeaturesAndLabelsOnMps2An386) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = conformance() / "testdata" / "micro_speech";
  const host::TempDir temp("tinyforge-micro-speech-");
  const nlohmann::json all = clips();
  std::vector<uint8_t> features_in, outputs_want;
  int clips_run = 0;
  for (const auto& [name, clip] : all.items()) {
    if (!clip.contains("model")) continue;
    const std::vector<uint8_t> pcm = pcm16(conformance() / clip["wav"].get<std::string>());
    std::vector<uint8_t> windows;
    for (int f = 0; f < kFrames; ++f)
      windows.insert(windows.end(), pcm.begin() + f * kStride * 2,
                     pcm.begin() + (f * kStride + 480) * 2);
    const fs::path windows_file = temp.path() / (name + "_windows.bin");
    host::write_file(windows_file, windows.data(), windows.size());
    const deploy::BoardRun run = deploy::run_model_on_board(
        "mps2-an386", dir / "audio_preprocessor_int8.tflite", {windows_file}, 600, kFrames,
        /*profile=*/false, /*stream=*/true);
    const std::vector<uint8_t> want =
        host::read_file(conformance() / clip["features_file"].get<std::string>());
    ASSERT_EQ(run.outputs.at(0).size(), want.size()) << name;
    EXPECT_EQ(run.outputs[0], want) << name << ": device features differ from TFLM's";
    features_in.insert(features_in.end(), want.begin(), want.end());
    const std::vector<uint8_t> scores =
        host::read_file(conformance() / clip["tflm_output_file"].get<std::string>());
    outputs_want.insert(outputs_want.end(), scores.begin(), scores.end());
    ++clips_run;
  }
  ASSERT_EQ(clips_run, 4);
  const fs::path features_file = temp.path() / "features.bin";
  host::write_file(features_file, features_in.data(), features_in.size());
  const deploy::BoardRun run = deploy::run_model_on_board(
      "mps2-an386", conformance() / "models" / "micro_speech_quantized.tflite", {features_file},
      600, static_cast<uint32_t>(clips_run));
  EXPECT_EQ(run.outputs.at(0), outputs_want) << "device scores differ from TFLM's";
}

}  // namespace
}  // namespace tinyforge::testing
