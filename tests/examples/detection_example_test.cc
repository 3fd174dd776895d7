// examples/detection end to end at CI size, as its README tells a user to run it: generated
// LabelImg scenes (made once and shared by both cases), `train` of the example projects on them
// (--data; at CI size: batches of 16, 32 epochs), `convert --int8`, `eval` of the int8 model on the
// host and under QEMU (the same output bytes), `detect`, and the firmware of `deploy --app detect`
// printing the same objects (centroid detector) or boxes (box detector) as the host finds. The
// floors are the README's.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/example_data.h"
#include "tests/support/require_qemu.h"
#include "tinyforge/boxes.h"
#include "tinyforge/centroids.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/pipeline/detect_run.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

// The CI size examples/detection/README.md states its floors for: fewer scenes than the full size,
// so smaller batches keep the number of steps.
constexpr const char* kScenes = "--scenes 600 --quiet";
constexpr const char* kEpochs = " --epochs 32";
constexpr const char *kBatch = "batch_size: 32", *kCiBatch = "batch_size: 16";
constexpr double kFloatF1Floor = 0.8;     // centroid detector
constexpr double kFloatMap50Floor = 0.6;  // box detector
constexpr double kInt8Loss = 0.02;        // int8 within 2 points of the float figure
constexpr int kFrames = 4;

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The example project `name` as CI trains it (kCiBatch), written into `dir`.
std::string project(const std::string& name, const fs::path& dir) {
  std::ifstream in(fs::path(TINYFORGE_SOURCE_DIR) / "examples" / "detection" / name);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const size_t at = text.find(kBatch);
  EXPECT_NE(at, std::string::npos) << name << " no longer says " << kBatch;
  if (at != std::string::npos) text.replace(at, std::string(kBatch).size(), kCiBatch);
  const fs::path path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

// Trains `project_file` on `data` into `run` and converts it to int8; checks that the int8 model's
// `figure` is within kInt8Loss of the float one, at least `floor`. Returns the int8 model.
fs::path train_and_convert(const std::string& project_file, const fs::path& data,
                           const fs::path& run, const std::string& figure, double floor) {
  const CliResult trained = run_cli("train " + project_file + " --data " + data.string() +
                                    " --out " + run.string() + kEpochs + " --json");
  EXPECT_EQ(trained.exit_code, 0) << trained.out;
  if (trained.exit_code != 0) return {};
  const auto t = trained.last_json();
  EXPECT_EQ(t["evaluated_split"], "test");
  EXPECT_GE(t[figure].get<double>(), floor) << t.dump();
  const fs::path int8 = run / "model_int8.tflite";
  const CliResult converted = run_cli("convert " + (run / "model.tfm").string() + " --int8 -o " +
                                      int8.string() + " --json");
  EXPECT_EQ(converted.exit_code, 0) << converted.out;
  const auto c = converted.last_json();
  EXPECT_NEAR(c["float_" + figure].get<double>(), t[figure].get<double>(), 1e-9) << c.dump();
  EXPECT_GE(c["quantized_" + figure].get<double>(), c["float_" + figure].get<double>() - kInt8Loss)
      << c.dump();
  return int8;
}

// The same int8 decisions on the host and on the board: identical output bytes and figures.
void expect_board_matches_host(const fs::path& int8, const std::string& project_file,
                               const fs::path& data, const fs::path& dir,
                               const std::string& figure) {
  const std::string eval = "eval " + int8.string() + " " + project_file + " --data " +
                           data.string() + " --limit 6 --json --raw-outputs ";
  const CliResult host = run_cli(eval + (dir / "host.bin").string());
  ASSERT_EQ(host.exit_code, 0) << host.out;
  const CliResult board = run_cli(eval + (dir / "board.bin").string() + " --board mps2-an386");
  ASSERT_EQ(board.exit_code, 0) << board.out;
  EXPECT_EQ(read_bytes(dir / "host.bin"), read_bytes(dir / "board.bin"));
  EXPECT_EQ(host.last_json()[figure], board.last_json()[figure]);
  EXPECT_GT(board.last_json()["instructions"].get<double>(), 0);
}

// The model's output for each of the first kFrames scenes on the host, and those frames (its
// input tensors) back to back in dir/frames.bin for the firmware.
struct HostFrames {
  host::ModelFile file;
  host::HostInterpreter interpreter{file};
  int width = 0, height = 0;
  explicit HostFrames(const fs::path& model) : file(model) {}

  // Runs every frame, calling `decode(output)` after each.
  template <typename Decode>
  void run(const fs::path& data, const fs::path& frames_file, Decode decode) {
    const TensorView in = interpreter.get().input(0);
    height = in.dim(1);
    width = in.dim(2);
    std::vector<uint8_t> frames;
    for (int i = 0; i < kFrames; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "scene_%04d.png", i);
      int w = width, h = height;
      host::set_tensor_values(in, data::load_image((data / name).string(), w, h, 3, true), name);
      const uint8_t* bytes = static_cast<const uint8_t*>(in.data);
      frames.insert(frames.end(), bytes, bytes + in.bytes());
      interpreter.invoke();
      decode(interpreter.get().output(0));
    }
    std::ofstream out(frames_file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(frames.data()),
              static_cast<std::streamsize>(frames.size()));
  }
};

pipeline::BoardDetections run_firmware(const fs::path& int8, const fs::path& dir) {
  const CliResult deployed =
      run_cli("deploy " + int8.string() + " --app detect -o " + (dir / "fw").string() + " --json");
  EXPECT_EQ(deployed.exit_code, 0) << deployed.out;
  if (deployed.exit_code != 0) return {};
  pipeline::BoardDetections b = pipeline::run_detect_app(
      deployed.last_json()["elf"].get<std::string>(), "mps2-an386", dir / "frames.bin");
  EXPECT_EQ(b.instructions.size(), static_cast<size_t>(kFrames));
  EXPECT_GT(b.arena_bytes, 0u);
  return b;
}

TEST(DetectionExample, CentroidDetectorFindsTheSameObjectsOnHostAndBoard) {
  TINYFORGE_REQUIRE_TOOLS("/usr/bin/python3");
  TINYFORGE_REQUIRE_QEMU();
  const fs::path data = generated_once("detection/make_data.py", kScenes);
  ASSERT_FALSE(data.empty());
  ASSERT_TRUE(fs::exists(data / "scene_0000.xml"));
  ASSERT_TRUE(fs::exists(data / "classes.txt"));
  const TempDir dir("detection_example");
  const std::string yaml = project("detection.yaml", dir.path());
  const fs::path int8 = train_and_convert(yaml, data, dir / "run", "f1", kFloatF1Floor);
  ASSERT_FALSE(int8.empty());
  expect_board_matches_host(int8, yaml, data, dir.path(), "f1");

  // detect: objects printed and drawn.
  const CliResult detected =
      run_cli("detect " + int8.string() + " " + (data / "scene_0001.png").string() + " -o " +
              (dir / "drawn.png").string() + " --json");
  ASSERT_EQ(detected.exit_code, 0) << detected.out;
  EXPECT_TRUE(fs::exists(dir / "drawn.png"));
  EXPECT_TRUE(detected.last_json()["objects"].is_array());

  // The firmware app prints, frame by frame, the objects the host decodes from the same frames.
  HostFrames host(int8);
  std::vector<std::vector<CentroidObject>> expected;
  host.run(data, dir / "frames.bin", [&](const TensorView& output) {
    CentroidOptions options;
    options.input_width = host.width;
    options.input_height = host.height;
    CentroidObject objects[16];
    int count = 0;
    ASSERT_EQ(decode_centroids(output, options, objects, 16, &count, nullptr), Status::kOk);
    expected.emplace_back(objects, objects + count);
  });
  const pipeline::BoardDetections b = run_firmware(int8, dir.path());
  ASSERT_EQ(b.frames.size(), expected.size());
  int objects = 0;
  for (size_t f = 0; f < expected.size(); ++f) {
    ASSERT_EQ(b.frames[f].size(), expected[f].size()) << "frame " << f;
    for (size_t k = 0; k < expected[f].size(); ++k) {
      EXPECT_EQ(b.frames[f][k].label, expected[f][k].label);
      EXPECT_EQ(b.frames[f][k].score, expected[f][k].score);
      EXPECT_EQ(b.frames[f][k].x, expected[f][k].x);
      EXPECT_EQ(b.frames[f][k].y, expected[f][k].y);
      ++objects;
    }
  }
  EXPECT_GT(objects, 0);
}

TEST(DetectionExample, BoxDetectorFindsTheSameBoxesOnHostAndBoard) {
  TINYFORGE_REQUIRE_TOOLS("/usr/bin/python3");
  TINYFORGE_REQUIRE_QEMU();
  const fs::path data = generated_once("detection/make_data.py", kScenes);
  ASSERT_FALSE(data.empty());
  const TempDir dir("box_detection_example");
  const std::string yaml = project("box_detection.yaml", dir.path());
  const fs::path int8 = train_and_convert(yaml, data, dir / "run", "map50", kFloatMap50Floor);
  ASSERT_FALSE(int8.empty());
  expect_board_matches_host(int8, yaml, data, dir.path(), "map50");

  // detect: boxes printed (in the image's pixels) and drawn.
  const CliResult detected =
      run_cli("detect " + int8.string() + " " + (data / "scene_0001.png").string() + " -o " +
              (dir / "drawn.png").string() + " --json");
  ASSERT_EQ(detected.exit_code, 0) << detected.out;
  EXPECT_TRUE(fs::exists(dir / "drawn.png"));
  for (const auto& o : detected.last_json()["objects"]) {
    ASSERT_EQ(o["box"].size(), 4u) << o.dump();
    EXPECT_LT(o["box"][0].get<double>(), o["box"][2].get<double>());
  }

  // The firmware app prints, frame by frame, the boxes the host decodes from the same frames.
  HostFrames host(int8);
  std::vector<std::vector<BoxObject>> expected;
  host.run(data, dir / "frames.bin", [&](const TensorView& output) {
    BoxOptions options;
    options.classes = 4;  // background, ball, block, cone
    options.input_width = host.width;
    options.input_height = host.height;
    BoxObject boxes[16];
    int count = 0;
    ASSERT_EQ(decode_boxes(output, options, boxes, 16, &count, nullptr), Status::kOk);
    expected.emplace_back(boxes, boxes + count);
  });
  const pipeline::BoardDetections b = run_firmware(int8, dir.path());
  EXPECT_TRUE(b.frames.empty());
  ASSERT_EQ(b.box_frames.size(), expected.size());
  int boxes = 0;
  for (size_t f = 0; f < expected.size(); ++f) {
    ASSERT_EQ(b.box_frames[f].size(), expected[f].size()) << "frame " << f;
    for (size_t k = 0; k < expected[f].size(); ++k) {
      const BoxObject &d = b.box_frames[f][k], &h = expected[f][k];
      EXPECT_EQ(d.label, h.label);
      EXPECT_EQ(d.score, h.score);
      EXPECT_EQ(d.xmin, h.xmin);
      EXPECT_EQ(d.ymin, h.ymin);
      EXPECT_EQ(d.xmax, h.xmax);
      EXPECT_EQ(d.ymax, h.ymax);
      ++boxes;
    }
  }
  EXPECT_GT(boxes, 0);
}

}  // namespace
}  // namespace tinyforge::testing
