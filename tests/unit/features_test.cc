// The features block (toolkit/features): settings and their refusals, the mel filter bank, the
// feature graph run by the runtime (a tone lands in its mel channel, silence is the floor), and
// the same graph on the emulated Cortex-M4F giving the host's bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "tests/support/cli_runner.h"
#include "tests/support/require_qemu.h"
#include "tests/support/shared_data.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/features/feature_graph.h"
#include "toolkit/features/frame_extractor.h"
#include "toolkit/features/mel_filter_bank.h"
#include "toolkit/features/settings.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/pipeline/featurize.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::testing {
namespace {

using features::FeatureSettings;

FeatureSettings parse(const std::string& yaml) {
  return features::parse_feature_settings(YAML::Load(yaml));
}

std::string refusal(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const host::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(FeatureSettings, DefaultsAreTheMicroSpeechFrontend) {
  const FeatureSettings s = parse("{type: log_mel}");
  EXPECT_EQ(s.window_samples(), 480);
  EXPECT_EQ(s.stride_samples(), 320);
  EXPECT_EQ(s.effective_fft_length(), 512);
  EXPECT_EQ(s.frame_size(), 40);
  EXPECT_EQ(s.frames_for(16000), 49);
  EXPECT_EQ(s.frames_for(479), 0);
  EXPECT_EQ(parse("{type: mfcc, coefficients: 10}").frame_size(), 10);
}

TEST(FeatureSettings, SettingsThatCannotWorkAreRefusedWithTheKey) {
  EXPECT_NE(refusal("{typ: log_mel}").find("features.typ: unknown key"), std::string::npos);
  EXPECT_NE(refusal("{type: spectrogram}").find("features.type: expected log_mel, mfcc or motion"),
            std::string::npos);
  EXPECT_NE(refusal("{window_ms: 64, fft_length: 512}").find("shorter than the window"),
            std::string::npos);
  EXPECT_NE(refusal("{fft_length: 500}").find("power of two"), std::string::npos);
  EXPECT_NE(refusal("{upper_hz: 9000}").find("half the sample rate"), std::string::npos);
  EXPECT_NE(refusal("{channels: 80, fft_length: 256, window_ms: 16}").find("gets no FFT bin"),
            std::string::npos);
  EXPECT_NE(refusal("{type: mfcc, channels: 10, coefficients: 13}").find("coefficients"),
            std::string::npos);
  EXPECT_NE(refusal("{window_ms: fast}").find("expected milliseconds, got 'fast'"),
            std::string::npos);
}

TEST(FeatureSettings, RoundTripThroughMetadataJson) {
  const FeatureSettings s = parse(
      "{type: mfcc, sample_rate: 8000, window_ms: 32, stride_ms: 16, "
      "channels: 20, upper_hz: 3800, noise_reduction: true}");
  const FeatureSettings back = features::feature_settings_from_json(features::to_json(s), "test");
  EXPECT_EQ(features::to_json(back), features::to_json(s));
  EXPECT_EQ(back.window_samples(), 256);
  EXPECT_TRUE(back.audio.noise_reduction);
}

std::string project_refusal(const std::string& yaml) {
  try {
    pipeline::parse_project(yaml, "kws.yaml", "/tmp");
  } catch (const host::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

// The project loads only when the features fit the data and the model takes the frames: refused
// before any data is read, naming the key.
TEST(FeatureSettings, ProjectsRefuseWhatCannotWorkBeforeLoadingData) {
  const std::string data = "data: {format: wav_folder, path: nowhere";
  EXPECT_EQ(project_refusal(data + "}\nfeatures: {type: log_mel}\nmodel: {zoo: ds_cnn}\n"),
            "(accepted)");
  EXPECT_NE(project_refusal(data + ", audio: {length: 1000}}\nfeatures: {type: log_mel}\n"
                                   "model: {layers: [{type: conv2d, filters: 4, kernel: 5}, "
                                   "{type: flatten}, {type: dense, units: 2}]}\n")
                .find("kws.yaml: model: cannot take the features' frames [2, 40, 1]"),
            std::string::npos);
  EXPECT_NE(project_refusal(data + ", audio: {sample_rate: 8000}}\nfeatures: {type: log_mel}\n"
                                   "model: {zoo: ds_cnn}\n")
                .find("data.audio.sample_rate: 8000 differs from features.sample_rate 16000"),
            std::string::npos);
  EXPECT_NE(project_refusal(data + ", normalization: per_channel}\nfeatures: {type: log_mel}\n"
                                   "model: {zoo: ds_cnn}\n")
                .find("data.normalization: must be none with features"),
            std::string::npos);
  EXPECT_NE(project_refusal("data: {format: csv, path: x.csv}\nfeatures: {type: log_mel}\n"
                            "model: {zoo: mlp}\n")
                .find("audio features need data.format: wav_folder"),
            std::string::npos);
  EXPECT_NE(project_refusal(data + "}\nfeatures: {type: log_mel, channels: 300}\n"
                                   "model: {zoo: ds_cnn}\n")
                .find("kws.yaml: features.channels: expected 1..256"),
            std::string::npos);
}

TEST(MelFilterBank, EdgesSumToOneAndEveryChannelHasBins) {
  const features::MelFilterBank bank = features::design_mel_filter_bank(16000, 512, 40, 125, 7500);
  ASSERT_EQ(bank.band_starts.size(), 41u);
  ASSERT_EQ(bank.weights.size(), bank.unweights.size());
  for (size_t i = 0; i < bank.weights.size(); ++i) {
    EXPECT_EQ(bank.weights[i] + bank.unweights[i], 4096) << i;
    EXPECT_GE(bank.unweights[i], 0);
  }
  int16_t previous_end = bank.band_starts[0];
  size_t weights = 0;
  for (size_t band = 0; band < 41; ++band) {
    EXPECT_EQ(bank.band_starts[band], previous_end) << "bands are contiguous";
    EXPECT_EQ(bank.weight_starts[band], static_cast<int16_t>(weights));
    previous_end = static_cast<int16_t>(bank.band_starts[band] + bank.band_widths[band]);
    weights += bank.band_widths[band];
  }
  EXPECT_EQ(weights, bank.weights.size());
  EXPECT_EQ(bank.first_bin, 4);  // 125 Hz at 31.25 Hz per bin
  EXPECT_EQ(bank.end_bin, previous_end);
  EXPECT_LE(bank.end_bin, 241);  // 7500 Hz
}

std::vector<uint8_t> tone(double hz, double amplitude, int samples, int rate) {
  std::vector<uint8_t> bytes(static_cast<size_t>(samples) * 2);
  for (int i = 0; i < samples; ++i) {
    const int16_t v =
        static_cast<int16_t>(std::lround(amplitude * std::sin(2 * M_PI * hz * i / rate)));
    std::memcpy(bytes.data() + 2 * i, &v, 2);
  }
  return bytes;
}

TEST(FeatureGraph, AToneLandsInItsMelChannelAndSilenceIsTheFloor) {
  const FeatureSettings s = parse("{type: log_mel}");
  const std::vector<uint8_t> bytes = features::build_feature_model(s);
  EXPECT_EQ(bytes, features::build_feature_model(s)) << "deterministic";
  const host::ModelFile model(bytes.data(), bytes.size(), "log-mel");
  features::FrameExtractor extractor(model);
  ASSERT_EQ(extractor.window_samples(), 480);
  ASSERT_EQ(extractor.frame_bytes(), 40u);
  const features::MelFilterBank bank = features::design_mel_filter_bank(16000, 512, 40, 125, 7500);
  for (double hz : {300.0, 1000.0, 4000.0}) {
    extractor.reset();
    const std::vector<uint8_t> frames = extractor.run(tone(hz, 500, 1120, 16000), 320);
    ASSERT_EQ(frames.size(), 3u * 40);
    // The loudest channel is the one whose triangle peaks nearest the tone.
    const int8_t* last = reinterpret_cast<const int8_t*>(frames.data()) + 80;
    int loudest = 0;
    for (int c = 1; c < 40; ++c)
      if (last[c] > last[loudest]) loudest = c;
    const double mel = features::hz_to_mel(hz), low = features::hz_to_mel(125),
                 step = (features::hz_to_mel(7500) - low) / 41;
    EXPECT_NEAR(loudest, (mel - low) / step - 1, 1.0) << hz << " Hz";
    EXPECT_GT(last[loudest], 40) << hz << " Hz";
    EXPECT_LT(last[loudest], 127) << hz << " Hz: saturated, so the test shows nothing";
  }
  extractor.reset();
  const std::vector<uint8_t> silence = extractor.run(std::vector<uint8_t>(960 * 2, 0), 320);
  for (uint8_t v : silence) EXPECT_EQ(static_cast<int8_t>(v), -128);
  const tflite::Metadata meta = tflite::read_metadata(bytes, "log-mel");
  EXPECT_EQ(meta.extra.at("features").at("window_samples"), 480);
}

TEST(FeatureGraph, MfccAndNoiseReductionRun) {
  const FeatureSettings s = parse("{type: mfcc, coefficients: 12, noise_reduction: true}");
  const std::vector<uint8_t> bytes = features::build_feature_model(s);
  const host::ModelFile model(bytes.data(), bytes.size(), "mfcc");
  features::FrameExtractor extractor(model);
  ASSERT_EQ(extractor.frame_bytes(), 12u);
  const std::vector<uint8_t> frames = extractor.run(tone(1000, 8000, 16000, 16000), 320);
  ASSERT_EQ(frames.size(), 49u * 12);
  // Noise reduction learns the steady tone as noise: its first coefficient (the mean log level)
  // falls over the clip.
  EXPECT_LT(static_cast<int8_t>(frames[48 * 12]), static_cast<int8_t>(frames[0]));
}

// The graph on mps2-an386 gives the host's frames for a chirp, window after window in one
// interpreter (noise reduction on, so the state carried over is compared too).
TEST(FeatureGraph, DeviceFramesAreTheHostsOnMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  const FeatureSettings s = parse("{type: log_mel, noise_reduction: true, channels: 32}");
  const std::vector<uint8_t> bytes = features::build_feature_model(s);
  const host::ModelFile model(bytes.data(), bytes.size(), "log-mel");
  std::vector<uint8_t> clip(8000 * 2);
  for (int i = 0; i < 8000; ++i) {
    const double t = i / 16000.0;
    const int16_t v = static_cast<int16_t>(
        std::lround(9000 * std::sin(2 * M_PI * (200 + 3000 * t) * t) + (i * 7919 % 601) - 300));
    std::memcpy(clip.data() + 2 * i, &v, 2);
  }
  features::FrameExtractor extractor(model);
  const std::vector<uint8_t> host_frames = extractor.run(clip, 320);
  const int64_t frames = extractor.frames_for(8000, 320);
  std::vector<uint8_t> windows;
  for (int64_t f = 0; f < frames; ++f)
    windows.insert(windows.end(), clip.begin() + f * 640, clip.begin() + f * 640 + 960);
  const host::TempDir temp("tinyforge-features-");
  host::write_file(temp.path() / "features.tflite", bytes.data(), bytes.size());
  host::write_file(temp.path() / "windows.bin", windows.data(), windows.size());
  const deploy::BoardRun run = deploy::run_model_on_board(
      "mps2-an386", temp.path() / "features.tflite", {temp.path() / "windows.bin"}, 600,
      static_cast<uint32_t>(frames), /*profile=*/false, /*stream=*/true);
  EXPECT_EQ(run.outputs.at(0), host_frames);
}

// `tinyforge features` with TFLM's preprocessor (no tinyforge metadata: --stride-ms gives the
// hop) reproduces the micro_speech golden frames; a project's block and the errors.
TEST(FeaturesCli, WritesTheFramesTheDeviceComputes) {
  TINYFORGE_REQUIRE_SHARED();
  const std::filesystem::path dir = shared_dir() / "conformance" / "testdata" / "micro_speech";
  const host::TempDir temp("tinyforge-features-cli-");
  const std::string preprocessor = (dir / "audio_preprocessor_int8.tflite").string();
  const std::string yes = (dir / "yes_1000ms.wav").string();
  const std::string out = (temp.path() / "yes.bin").string();
  CliResult r =
      run_cli("features " + preprocessor + " " + yes + " --stride-ms 20 -o " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = r.last_json();
  EXPECT_EQ(j["frames"], 49);
  EXPECT_EQ(j["frame_shape"], nlohmann::json::array({40}));
  EXPECT_EQ(j["dtype"], "int8");
  EXPECT_EQ(host::read_file(out), host::read_file(dir / "yes_1000ms_features_int8_49x40.bin"));

  r = run_cli("features " + preprocessor + " " + yes + " -o " + out + " --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find("--stride-ms"), std::string::npos);

  // A project with a features block at 8 kHz refuses the 16 kHz clip, naming both rates.
  const std::filesystem::path project = temp.path() / "kws.yaml";
  std::ofstream(project) << "data: {format: wav_folder, path: clips}\n"
                            "features: {type: log_mel, sample_rate: 8000, upper_hz: 3800}\n"
                            "model: {zoo: ds_cnn}\n";
  r = run_cli("features " + project.string() + " " + yes + " -o " + out + " --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find("sample rate 16000 Hz, the features "
                                                           "expect 8000 Hz"),
            std::string::npos)
      << r.out;
  // At its own rate the project's graph runs: 16000 samples -> (16000 - 480) / 320 + 1 frames.
  std::ofstream(project) << "data: {format: wav_folder, path: clips}\n"
                            "features: {type: mfcc, coefficients: 10}\n"
                            "model: {zoo: ds_cnn}\n";
  r = run_cli("features " + project.string() + " " + yes + " -o " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.last_json()["frames"], 49);
  EXPECT_EQ(std::filesystem::file_size(out), 49u * 10);
  // Shorter than one window.
  r = run_cli("features " + project.string() + " " + (dir / "yes_30ms.wav").string() + " -o " +
              out + " --stride-ms 10 --json");
  EXPECT_EQ(r.exit_code, 0) << "480 samples are exactly one window";
  EXPECT_EQ(r.last_json()["frames"], 1);
}

// Motion features of a CSV recording: a project binds the window and stride of its data.csv and
// the axes of the recording's columns (the t column skipped); the frames are the motion graph's
// float32 vectors, one per stride. A NaN is named by file and line; a WAV is refused.
TEST(FeaturesCli, MotionFeaturesOfACsvRecording) {
  const host::TempDir temp("tinyforge-features-csv-");
  const std::filesystem::path project = temp.path() / "gestures.yaml";
  std::ofstream(project) << "data: {format: csv_windows, path: recordings, csv: {window: 100, "
                            "stride: 50}}\n"
                            "features: {type: motion, sample_rate: 100, statistics: [rms, std], "
                            "fft_bins: 4, peaks: 1}\n"
                            "model: {zoo: mlp}\n";
  const std::filesystem::path rec = temp.path() / "rec.csv";
  {
    std::ofstream out(rec);
    out << "t,ax,ay,az\n";
    for (int i = 0; i < 300; ++i)
      out << i / 100.0 << "," << std::sin(i * 0.3) << "," << 0.5 * std::cos(i * 0.1) << ",1\n";
  }
  const std::string out = (temp.path() / "frames.bin").string();
  CliResult r =
      run_cli("features " + project.string() + " " + rec.string() + " -o " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = r.last_json();
  EXPECT_EQ(j["frames"], 5);  // (300 - 100) / 50 + 1
  EXPECT_EQ(j["frame_shape"], nlohmann::json::array({3 * (2 + 4 + 2)}));
  EXPECT_EQ(j["dtype"], "float32");
  EXPECT_EQ(j["window_samples"], 100);
  EXPECT_EQ(j["stride_samples"], 50);
  const std::vector<uint8_t> bytes = host::read_file(out);
  ASSERT_EQ(bytes.size(), 5u * 24 * sizeof(float));
  std::vector<float> frames(bytes.size() / sizeof(float));
  std::memcpy(frames.data(), bytes.data(), bytes.size());
  // Axis 2 is constant (no filter in this project): its RMS is 1 and its deviation 0.
  EXPECT_FLOAT_EQ(frames[16], 1.0f);
  EXPECT_NEAR(frames[17], 0.0f, 1e-6);
  // Axis 0 oscillates with amplitude 1: its RMS is about 1/sqrt(2).
  EXPECT_NEAR(frames[0], 0.7071f, 0.03f);

  {
    std::ofstream bad(rec, std::ios::app);
    bad << "3.0,nan,0,1\n";
  }
  r = run_cli("features " + project.string() + " " + rec.string() + " -o " + out + " --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find("rec.csv:302"), std::string::npos)
      << r.out;
  r = run_cli("features " + project.string() + " " + (temp.path() / "clip.wav").string() + " -o " +
              out + " --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.last_json()["error"].get<std::string>().find(".csv"), std::string::npos) << r.out;
}

// Augmented copies: every clip's frames, then those of each copy (augmented anew), with the
// clip's label and group; the same seed gives the same copies.
TEST(FeaturizeCopies, CopiesKeepLabelsAndGroupsAndDifferFromTheClip) {
  data::Dataset clips({16000, 1}, {"tone", "chirp"});
  for (int c = 0; c < 3; ++c) {
    std::vector<float> clip(16000);
    for (int t = 0; t < 16000; ++t)
      clip[t] = 0.3f * std::sin(0.05f * (c + 1) * t * (1.0f + (c % 2) * t / 16000.0f));
    clips.add(clip, c % 2, "clip" + std::to_string(c), "speaker" + std::to_string(c));
  }
  const features::FeatureSettings settings;  // log-mel, 49 frames of 40 channels
  data::AudioAugmentation augmentation;
  augmentation.max_time_shift = 1600;
  augmentation.max_speed_change = 0.1f;
  const data::Dataset frames = pipeline::featurize_with_augmented_copies(
      clips, settings, data::SampleFormat::kFloat, augmentation, 2, 7);
  ASSERT_EQ(frames.size(), 9);
  const data::Dataset plain = pipeline::featurize(clips, settings, data::SampleFormat::kFloat);
  for (int64_t i = 0; i < 3; ++i) {
    for (int copy = 0; copy < 3; ++copy) {
      const int64_t j = copy * 3 + i;
      EXPECT_EQ(frames.label(j), clips.label(i));
      EXPECT_EQ(frames.group(j), clips.group(i));
      const auto a = frames.sample(j), b = plain.sample(i);
      const bool same = std::equal(a.begin(), a.end(), b.begin());
      EXPECT_EQ(same, copy == 0) << "clip " << i << " copy " << copy;
    }
  }
  const data::Dataset again = pipeline::featurize_with_augmented_copies(
      clips, settings, data::SampleFormat::kFloat, augmentation, 2, 7);
  EXPECT_EQ(again.features(), frames.features());
}

}  // namespace
}  // namespace tinyforge::testing
