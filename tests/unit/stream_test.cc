// `tinyforge stream` and `deploy --app`: settings from flags, metadata and shapes; recordings
// checked with clear errors; the same ACT events on the host and on mps2-an386 (CSV and audio
// streams through the level classifier); TFLM's micro_speech (audio preprocessor + classifier)
// firing yes and no on both.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/require_qemu.h"
#include "tests/support/shared_data.h"
#include "tests/support/stream_models.h"
#include "tinyforge/postprocess.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/deploy/app_config.h"
#include "toolkit/deploy/stream_input.h"
#include "toolkit/deploy/stream_runner.h"
#include "toolkit/features/settings.h"
#include "toolkit/host/error.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;
using deploy::AppConfig;
using deploy::AppOptions;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tinyforge_stream_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const host::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Gestures: 8 samples of 3 axes per window (the input shape), labels from the metadata.
TEST(Stream, SettingsComeFromFlagsMetadataAndShapes) {
  const fs::path dir = temp_dir("settings");
  const auto model =
      write_model(dir / "gesture.tflite",
                  level_classifier({1, 8, 3}, 3, R"({"labels": ["idle", "up", "down"]})"));
  const host::ModelFile file(model);
  AppOptions o;
  o.app = "gesture";
  AppConfig c = deploy::resolve_app_config(o, file, nullptr);
  EXPECT_EQ(c.samples, app::SampleKind::kSensorFloat32);
  EXPECT_EQ(c.axes, 3u);
  EXPECT_EQ(c.window, 8u);
  EXPECT_EQ(c.stride, 4u);
  EXPECT_EQ(c.sample_rate_hz, 100u);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"idle", "up", "down"}));
  EXPECT_EQ(c.thresholds, (std::vector<int32_t>{kNeverFires, 39322, 39322}));  // idle never fires
  EXPECT_GT(c.storage_bytes, 0u);

  o.labels = {"rest", "lift", "drop"};
  o.stride = 2;
  o.threshold = 0.5;
  o.class_thresholds = {"drop=0.9"};
  o.ignore = std::vector<std::string>{"lift"};
  c = deploy::resolve_app_config(o, file, nullptr);
  EXPECT_EQ(c.stride, 2u);
  EXPECT_EQ(c.thresholds, (std::vector<int32_t>{32768, kNeverFires, 58982}));
  // The generated firmware settings carry the same numbers.
  const std::string cpp = c.cpp_definitions();
  EXPECT_NE(cpp.find("{32768, 2147483647, 58982}"), std::string::npos) << cpp;
  EXPECT_NE(cpp.find("s.stride = 2;"), std::string::npos) << cpp;
}

// Training records the feature settings in the models' metadata ("features"): the window, hop
// and rate of a keyword application come from there. Frames of 256 int16 values, two per
// classifier input.
TEST(Stream, AudioSettingsComeFromTheRecordedFeatureSettings) {
  const fs::path dir = temp_dir("feature_settings");
  features::FeatureSettings frontend;
  frontend.audio.sample_rate = 8000;
  frontend.audio.window_ms = 32;
  frontend.audio.stride_ms = 16;
  frontend.audio.upper_hz = 3900;
  const nlohmann::json metadata = {{"labels", {"silence", "on", "off"}},
                                   {"features", features::to_json(frontend)}};
  const auto model =
      write_model(dir / "kws.tflite", level_classifier({1, 512}, 1, metadata.dump()));
  const auto frames =
      write_model(dir / "features.tflite", pass_through(DataType::kInt16, {1, 256}, {256}));
  const host::ModelFile classifier(model), feature_model(frames);
  AppOptions o;
  o.app = "kws";
  const AppConfig c = deploy::resolve_app_config(o, classifier, &feature_model);
  EXPECT_EQ(c.samples, app::SampleKind::kAudioInt16);
  EXPECT_EQ(c.sample_rate_hz, 8000u);
  EXPECT_EQ(c.window, 256u);
  EXPECT_EQ(c.stride, 128u);
  EXPECT_EQ(c.average_count, 3u);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"silence", "on", "off"}));
  EXPECT_EQ(c.thresholds, (std::vector<int32_t>{kNeverFires, 49152, 49152}));
}

TEST(Stream, SettingErrorsNameTheFlag) {
  const fs::path dir = temp_dir("setting_errors");
  const auto model = write_model(dir / "level.tflite", level_classifier({1, 8, 3}, 3));
  const host::ModelFile file(model);
  AppOptions o;
  o.labels = {"a", "b"};
  EXPECT_NE(message_of([&] {
              deploy::resolve_app_config(o, file, nullptr);
            }).find("output 0 has 3 scores, but 2 labels were given (--labels)"),
            std::string::npos);
  o = AppOptions();
  o.class_thresholds = {"nope=0.5"};
  EXPECT_NE(message_of([&] {
              deploy::resolve_app_config(o, file, nullptr);
            }).find("--thresholds 'nope=0.5'"),
            std::string::npos);
  o = AppOptions();
  o.window = 5;
  EXPECT_NE(message_of([&] {
              deploy::resolve_app_config(o, file, nullptr);
            }).find("input 0 has 24 values, but a window (no feature model) is 15"),
            std::string::npos);
  o = AppOptions();
  o.source = "audio";
  o.axes = 3;
  EXPECT_NE(message_of([&] {
              deploy::resolve_app_config(o, file, nullptr);
            }).find("--axes 3: audio is mono"),
            std::string::npos);
  const auto autoencoder = write_model(dir / "ae.tflite", null_autoencoder(12));
  const host::ModelFile ae(autoencoder);
  o = AppOptions();
  o.app = "anomaly";
  EXPECT_NE(
      message_of([&] { deploy::resolve_app_config(o, ae, nullptr); }).find("give --threshold"),
      std::string::npos);
}

// Bad recordings: a clear error through the CLI (JSON error, exit 1), never a crash.
TEST(Stream, BadRecordingsAreClearErrors) {
  const fs::path dir = temp_dir("bad_input");
  const auto audio_model = write_model(dir / "audio.tflite", level_classifier({1, 160}, 1));
  const auto sensor_model = write_model(dir / "sensor.tflite", level_classifier({1, 8, 3}, 3));
  write_wav(dir / "stereo.wav", std::vector<int16_t>(3200, 1), 16000, 2);
  write_wav(dir / "8k.wav", std::vector<int16_t>(3200, 1), 8000);
  write_wav(dir / "empty.wav", {}, 16000);
  write_wav(dir / "short.wav", std::vector<int16_t>(100, 1), 16000);
  std::ofstream(dir / "nan.csv") << "x,y,z\n1,2,3\n1,nan,3\n";
  std::ofstream(dir / "ragged.csv") << "1,2,3\n1,2\n";
  std::ofstream(dir / "empty.csv") << "x,y,z\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {audio_model.string() + " -i " + (dir / "stereo.wav").string(), "2 channels"},
      {audio_model.string() + " -i " + (dir / "8k.wav").string(),
       "sampled at 8000 Hz; the application expects 16000 Hz"},
      {audio_model.string() + " -i " + (dir / "empty.wav").string(), "no samples"},
      {audio_model.string() + " -i " + (dir / "short.wav").string(),
       "100 samples (6 ms), shorter than one window of 160 samples"},
      {audio_model.string() + " -i " + (dir / "missing.wav").string(), "no such file"},
      {sensor_model.string() + " -i " + (dir / "nan.csv").string(),
       "nan.csv:3: column 2 is 'nan'; expected a finite number"},
      {sensor_model.string() + " -i " + (dir / "ragged.csv").string(),
       "ragged.csv:2: 2 values; expected 3"},
      {sensor_model.string() + " -i " + (dir / "empty.csv").string(), "no samples"},
      {sensor_model.string() + " --source sensor -i " + (dir / "8k.wav").string(),
       "reads sensor samples (a CSV file"},
  };
  for (const auto& [args, expected] : cases) {
    const CliResult r = run_cli("stream " + args + " --json");
    EXPECT_EQ(r.exit_code, 1) << args;
    const auto j = r.last_json();
    ASSERT_TRUE(j.contains("error")) << args << ": " << r.out;
    EXPECT_NE(j["error"].get<std::string>().find(expected), std::string::npos)
        << args << ": " << j["error"];
  }
}

// A float WAV beyond full scale (clipped audio) is played saturated, not wrapped around.
TEST(Stream, ClippedFloatAudioSaturates) {
  const fs::path dir = temp_dir("clipped");
  const fs::path wav = dir / "loud.wav";
  {
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(wav.c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr);
    std::vector<float> values;
    for (int i = 0; i < 100; ++i) values.insert(values.end(), {1.5f, -2.0f, 0.5f});
    sf_writef_float(f, values.data(), static_cast<sf_count_t>(values.size()));
    sf_close(f);
  }
  deploy::AppConfig config;
  config.samples = app::SampleKind::kAudioInt16;
  config.sample_rate_hz = 16000;
  config.window = 160;
  const auto s = deploy::read_stream_input(wav, config);
  ASSERT_EQ(s.count, 300u);
  std::vector<int16_t> pcm(s.count);
  std::memcpy(pcm.data(), s.bytes.data(), s.bytes.size());
  EXPECT_EQ(pcm[0], 32767);
  EXPECT_EQ(pcm[1], -32768);
  EXPECT_NEAR(pcm[2], 16384, 1);
}

// Rest, then axis 0 up for a second, rest, down for a second, at 100 samples per second.
const std::vector<std::pair<float, uint32_t>> kGestureSegments = {
    {0.0f, 150}, {1.0f, 100}, {0.0f, 100}, {-1.0f, 100}, {0.0f, 100}};

TEST(Stream, HostStreamFiresOnceForEachMovement) {
  const fs::path dir = temp_dir("host_csv");
  const auto model = write_model(dir / "gesture.tflite", level_classifier({1, 20, 3}, 3));
  write_level_csv(dir / "rec.csv", kGestureSegments);
  const CliResult r =
      run_cli("stream " + model.string() + " --app gesture --labels idle,up,down -i " +
              (dir / "rec.csv").string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = r.last_json();
  EXPECT_EQ(j["board"], "host");
  ASSERT_EQ(j["events"].size(), 2u) << j.dump();
  EXPECT_EQ(j["events"][0]["label"], "up");
  EXPECT_EQ(j["events"][1]["label"], "down");
  // Up starts at 1.5 s and down at 3.5 s; each fires within its first window or two.
  EXPECT_GE(j["events"][0]["time_ms"].get<int>(), 1500);
  EXPECT_LE(j["events"][0]["time_ms"].get<int>(), 1800);
  EXPECT_GE(j["events"][1]["time_ms"].get<int>(), 3500);
  EXPECT_LE(j["events"][1]["time_ms"].get<int>(), 3800);
  EXPECT_GT(j["events"][0]["score"].get<double>(), 0.6);
  EXPECT_EQ(j["strides"], 54);  // (550 - 20) / 10 + 1
  EXPECT_FALSE(j.contains("instructions_per_second"));
}

// The same events, in the same text, from the firmware under QEMU; instructions per stride and
// headroom at the board's 25 MHz.
TEST(Stream, CsvStreamGivesTheSameEventsOnHostAndMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = temp_dir("board_csv");
  const auto model = write_model(dir / "gesture.tflite", level_classifier({1, 20, 3}, 3));
  write_level_csv(dir / "rec.csv", kGestureSegments);
  const std::string args = "stream " + model.string() + " --app gesture --labels idle,up,down -i " +
                           (dir / "rec.csv").string() + " --json";
  const CliResult host = run_cli(args);
  const CliResult board = run_cli(args + " --board mps2-an386");
  ASSERT_EQ(host.exit_code, 0) << host.out;
  ASSERT_EQ(board.exit_code, 0) << board.out;
  const auto h = host.last_json(), b = board.last_json();
  EXPECT_EQ(b["events"], h["events"]);
  EXPECT_EQ(b["events"].size(), 2u);
  EXPECT_EQ(b["board"], "mps2-an386");
  EXPECT_EQ(b["strides"], h["strides"]);
  EXPECT_EQ(b["clock_mhz"].get<double>(), 25.0);
  const double worst = b["worst_window_instructions"].get<double>();
  EXPECT_GT(worst, 0);
  // 5.5 s of input: at least the worst window's instructions per second, at most 55 worst ones.
  EXPECT_GE(b["instructions_per_second"].get<double>() * 5.5, worst);
  EXPECT_LE(b["instructions_per_second"].get<double>() * 5.5, worst * 55);
  // A 100 ms stride at 25 MHz is 2.5M cycles.
  EXPECT_NEAR(b["headroom_pct"].get<double>(), 100.0 * (1.0 - worst / 2.5e6), 1e-6);
  const CliResult fast = run_cli(args + " --board mps2-an386 --clock-mhz 50");
  ASSERT_EQ(fast.exit_code, 0) << fast.out;
  EXPECT_NEAR(fast.last_json()["headroom_pct"].get<double>(), 100.0 * (1.0 - worst / 5e6), 1e-6);
}

// An autoencoder's reconstruction error as the score (float arithmetic on both sides, built
// without contraction): the same anomaly events, scores included, on the host and the board.
TEST(Stream, AnomalyEventsAreTheSameOnHostAndMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = temp_dir("board_anomaly");
  const auto model = write_model(dir / "ae.tflite", null_autoencoder(30));
  write_level_csv(dir / "rec.csv", kGestureSegments);
  const std::string args = "stream " + model.string() +
                           " --app anomaly --threshold 0.1 --axes 3 --window 10 -i " +
                           (dir / "rec.csv").string() + " --json";
  const CliResult host = run_cli(args);
  const CliResult board = run_cli(args + " --board mps2-an386");
  ASSERT_EQ(host.exit_code, 0) << host.out;
  ASSERT_EQ(board.exit_code, 0) << board.out;
  const auto h = host.last_json();
  // Axis 0 at +1 and at -1 (a mean square of 1/3 once the window is inside): one event per
  // excursion, from the first window that reaches the threshold.
  ASSERT_EQ(h["events"].size(), 2u) << h.dump();
  for (const auto& e : h["events"]) {
    EXPECT_EQ(e["label"], "anomaly");
    EXPECT_GE(e["score"].get<double>(), 0.1);
    EXPECT_LE(e["score"].get<double>(), 0.34);
  }
  EXPECT_EQ(board.last_json()["events"], h["events"]);
}

// Audio: 10 ms windows (160 samples at 16 kHz) of DC level, converted from int16 into the
// classifier's int8 input; events equal on the host and the board.
TEST(Stream, AudioStreamGivesTheSameEventsOnHostAndMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = temp_dir("board_audio");
  const auto model = write_model(dir / "level.tflite", level_classifier({1, 160}, 1));
  write_wav(dir / "rec.wav",
            level_audio({{0.0f, 8000}, {0.5f, 4000}, {0.0f, 20000}, {-0.5f, 4000}, {0.0f, 4000}}),
            16000);
  AppOptions o;
  o.labels = {"idle", "up", "down"};
  o.source = "audio";
  const host::ModelFile file(model);
  const AppConfig config = deploy::resolve_app_config(o, file, nullptr);
  EXPECT_EQ(config.window, 160u);
  EXPECT_EQ(config.stride, 80u);
  const auto samples = deploy::read_stream_input(dir / "rec.wav", config);
  const auto host = deploy::stream_on_host(file, nullptr, config, samples);
  const auto board = deploy::stream_on_board("mps2-an386", model, o, config, samples, 0, 600);
  ASSERT_EQ(host.events.size(), 2u);
  EXPECT_EQ(host.events[0].label, "up");
  EXPECT_EQ(host.events[1].label, "down");
  EXPECT_EQ(board.events, host.events);
  EXPECT_EQ(board.strides, host.strides);
  EXPECT_EQ(board.inferences, host.inferences);
  EXPECT_EQ(board.chunk_instructions.size(), 500u);  // 40000 samples in chunks of one stride
}

// TFLM's micro_speech: the audio preprocessor (30 ms windows every 20 ms, 40 int8 features) and
// the classifier over the last 49 frames; one second of "yes" / "no" between a second of silence
// on each side fires that word, on the host and on mps2-an386.
TEST(Stream, MicroSpeechFiresYesAndNoOnHostAndMps2An386) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path data = shared_dir() / "conformance" / "testdata" / "micro_speech";
  const fs::path model = shared_dir() / "conformance" / "models" / "micro_speech_quantized.tflite";
  const fs::path dir = temp_dir("micro_speech");
  AppOptions o;
  o.app = "kws";
  o.features = data / "audio_preprocessor_int8.tflite";
  o.labels = {"silence", "unknown", "yes", "no"};
  const host::ModelFile classifier(model), features(o.features);
  const AppConfig config = deploy::resolve_app_config(o, classifier, &features);
  EXPECT_EQ(config.window, 480u);
  EXPECT_EQ(config.stride, 320u);
  for (const std::string word : {"yes", "no"}) {
    int rate = 0;
    const auto clip = data::read_wav_mono((data / (word + "_1000ms.wav")).string(), rate);
    ASSERT_EQ(rate, 16000);
    std::vector<int16_t> samples(16000, 0);
    for (float v : clip) samples.push_back(static_cast<int16_t>(std::lround(v * 32768.0f)));
    samples.insert(samples.end(), 16000, 0);
    write_wav(dir / (word + ".wav"), samples, 16000);
    const auto stream = deploy::read_stream_input(dir / (word + ".wav"), config);
    const auto host = deploy::stream_on_host(classifier, &features, config, stream);
    ASSERT_EQ(host.events.size(), 1u) << word;
    EXPECT_EQ(host.events[0].label, word);
    EXPECT_GT(host.events[0].time_ms, 1000u);
    EXPECT_LT(host.events[0].time_ms, 2500u);
    const auto board = deploy::stream_on_board("mps2-an386", model, o, config, stream, 0, 900);
    EXPECT_EQ(board.events, host.events) << word;
    std::cout << "[ stream   ] micro_speech " << word
              << " on mps2-an386: " << board.worst_window_instructions
              << " instructions in the worst 20 ms stride, "
              << static_cast<uint64_t>(board.instructions_per_second)
              << " per second of audio, headroom at 25 MHz " << board.headroom_pct << "%\n";
  }
}

}  // namespace
}  // namespace tinyforge::testing
