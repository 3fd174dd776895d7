// examples/detection end to end at CI size, as its README tells a user to run it: generated
// LabelImg scenes, `train` of the example project on them (--data), `convert --int8`, `eval` of
// the int8 model on the host and under QEMU (the same output bytes), `detect`, and the firmware of
// `deploy --app detect` printing the same objects as the host finds. The floors are the README's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/example_data.h"
#include "tests/support/require_qemu.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/pipeline/detect_run.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

// The floors examples/detection/README.md states for this size.
constexpr double kFloatF1Floor = 0.8;
constexpr double kInt8F1Loss = 0.02;  // int8 within 2 points of the float F1

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(DetectionExample, TrainsConvertsAndFindsTheSameObjectsOnHostAndBoard) {
  TINYFORGE_REQUIRE_TOOLS("/usr/bin/python3");
  TINYFORGE_REQUIRE_QEMU();
  const TempDir dir("detection_example");
  const fs::path data = dir / "data", run = dir / "run";
  const ScriptResult made = run_example_script("detection/make_data.py",
                                               "--out " + data.string() + " --scenes 800 --quiet");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  ASSERT_TRUE(fs::exists(data / "scene_0000.xml"));
  ASSERT_TRUE(fs::exists(data / "classes.txt"));

  const std::string project =
      std::string(TINYFORGE_SOURCE_DIR) + "/examples/detection/detection.yaml";
  const CliResult trained = run_cli("train " + project + " --data " + data.string() + " --out " +
                                    run.string() + " --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const auto t = trained.last_json();
  EXPECT_EQ(t["evaluated_split"], "test");
  EXPECT_GE(t["f1"].get<double>(), kFloatF1Floor) << t.dump();

  const fs::path int8 = run / "model_int8.tflite";
  const CliResult converted = run_cli("convert " + (run / "model.tfm").string() + " --int8 -o " +
                                      int8.string() + " --json");
  ASSERT_EQ(converted.exit_code, 0) << converted.out;
  const auto c = converted.last_json();
  EXPECT_NEAR(c["float_f1"].get<double>(), t["f1"].get<double>(), 1e-9) << c.dump();
  EXPECT_GE(c["quantized_f1"].get<double>(), c["float_f1"].get<double>() - kInt8F1Loss) << c.dump();

  // The same int8 decisions on the host and on the board: identical output bytes.
  const std::string eval = "eval " + int8.string() + " " + project + " --data " + data.string() +
                           " --limit 8 --json --raw-outputs ";
  const CliResult host = run_cli(eval + (dir / "host.bin").string());
  ASSERT_EQ(host.exit_code, 0) << host.out;
  const CliResult board = run_cli(eval + (dir / "board.bin").string() + " --board mps2-an386");
  ASSERT_EQ(board.exit_code, 0) << board.out;
  EXPECT_EQ(read_bytes(dir / "host.bin"), read_bytes(dir / "board.bin"));
  EXPECT_EQ(host.last_json()["f1"], board.last_json()["f1"]);
  EXPECT_GT(board.last_json()["instructions"].get<double>(), 0);

  // detect: objects printed and drawn.
  const CliResult detected =
      run_cli("detect " + int8.string() + " " + (data / "scene_0001.png").string() + " -o " +
              (dir / "drawn.png").string() + " --json");
  ASSERT_EQ(detected.exit_code, 0) << detected.out;
  EXPECT_TRUE(fs::exists(dir / "drawn.png"));
  EXPECT_TRUE(detected.last_json()["objects"].is_array());

  // The firmware app prints, frame by frame, the objects the host decodes from the same frames.
  const CliResult deployed =
      run_cli("deploy " + int8.string() + " --app detect -o " + (dir / "fw").string() + " --json");
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out;
  const host::ModelFile file(int8);
  host::HostInterpreter interpreter(file);
  const TensorView in = interpreter.get().input(0);
  std::vector<uint8_t> frames;
  std::vector<std::vector<CentroidObject>> expected;
  for (int i = 0; i < 4; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "scene_%04d.png", i);
    int width = 96, height = 96;
    host::set_tensor_values(in, data::load_image((data / name).string(), width, height, 3, true),
                            name);
    const uint8_t* bytes = static_cast<const uint8_t*>(in.data);
    frames.insert(frames.end(), bytes, bytes + in.bytes());
    interpreter.invoke();
    CentroidOptions options;
    options.input_width = width;
    options.input_height = height;
    CentroidObject objects[16];
    int count = 0;
    ASSERT_EQ(decode_centroids(interpreter.get().output(0), options, objects, 16, &count, nullptr),
              Status::kOk);
    expected.emplace_back(objects, objects + count);
  }
  {
    std::ofstream out(dir / "frames.bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(frames.data()),
              static_cast<std::streamsize>(frames.size()));
  }
  const pipeline::BoardDetections b = pipeline::run_detect_app(
      deployed.last_json()["elf"].get<std::string>(), "mps2-an386", dir / "frames.bin");
  ASSERT_EQ(b.frames.size(), expected.size());
  EXPECT_EQ(b.instructions.size(), expected.size());
  EXPECT_GT(b.arena_bytes, 0u);
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

}  // namespace
}  // namespace tinyforge::testing
