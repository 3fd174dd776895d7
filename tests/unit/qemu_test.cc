// Models on emulated Cortex-M boards (qemu-system-arm) through the generic runner firmware:
// byte-identical outputs, the instruction counter against a loop of known length, and a model
// too large for the board. Needs arm-none-eabi-gcc and qemu-system-arm (scripts/setup).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/model_builder.h"
#include "tests/support/require_qemu.h"
#include "tests/support/shared_data.h"
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

fs::path conformance() { return shared_dir() / "conformance"; }

// Runs seed K of a conformance model on `board` and compares every output byte.
void expect_vector_matches(const std::string& board, const std::string& name, int seed) {
  const fs::path vectors = conformance() / "vectors" / name;
  const host::ModelFile file(conformance() / "models" / (name + ".tflite"));
  std::vector<fs::path> inputs;
  for (int i = 0; i < file.model().num_inputs(); ++i) {
    inputs.push_back(vectors /
                     ("input_" + std::to_string(seed) + "_" + std::to_string(i) + ".bin"));
  }
  const deploy::BoardRun r =
      deploy::run_model_on_board(board, conformance() / "models" / (name + ".tflite"), inputs);
  ASSERT_EQ(static_cast<int>(r.outputs.size()), file.model().num_outputs());
  for (size_t o = 0; o < r.outputs.size(); ++o) {
    const auto want = host::read_file(
        vectors / ("output_" + std::to_string(seed) + "_" + std::to_string(o) + ".bin"));
    EXPECT_EQ(r.outputs[o], want) << name << " seed " << seed << " output " << o << " on " << board;
  }
  EXPECT_GT(r.instructions, 0u);
  // deploy sizes the firmware's static arena with the host's 32-bit figure for the board's
  // kernels: never short, and only the kernels' headers and parameter blocks (measured with 64-bit
  // layouts) keep it from being exact.
  const size_t device_figure =
      host::plan_device_arena(file.model(), deploy::board_info(board).kernels).total_bytes;
  EXPECT_LE(r.arena_bytes, device_figure);
  EXPECT_LE(device_figure - r.arena_bytes, 24u * static_cast<size_t>(file.model().num_operators()));
  std::cout << "[ qemu     ] " << board << " " << name << " seed " << seed << ": " << r.instructions
            << " instructions, arena " << r.arena_bytes << " bytes\n";
}

TEST(Qemu, HelloWorldAndAd01AreByteIdenticalOnMps2An386) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  for (const char* name : {"hello_world_int8", "ad01_int8"}) {
    for (int seed = 1; seed <= 3; ++seed) expect_vector_matches("mps2-an386", name, seed);
  }
}

TEST(Qemu, Ad01IsByteIdenticalOnEveryBoard) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  for (const auto& board : deploy::known_boards()) expect_vector_matches(board, "ad01_int8", 2);
}

// Patch-based execution on the device: the first layers of the two vision models in bands give
// the bytes TFLite Micro gave and the bytes the same firmware gives with `patches off`, in a
// smaller arena.
TEST(Qemu, PatchStagesGiveTheSameBytesInLessMemoryOnMps2An386) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  for (const std::string name : {"vww_96_int8", "person_detect"}) {
    const fs::path model = conformance() / "models" / (name + ".tflite");
    const std::vector<fs::path> inputs = {conformance() / "vectors" / name / "input_1_0.bin"};
    const deploy::BoardRun with = deploy::run_model_on_board("mps2-an386", model, inputs);
    const deploy::BoardRun without =
        deploy::run_model_on_board("mps2-an386", model, inputs, 600, 1, false, false, false);
    const auto want = host::read_file(conformance() / "vectors" / name / "output_1_0.bin");
    ASSERT_EQ(with.outputs.size(), 1u);
    EXPECT_EQ(with.outputs[0], want) << name;
    EXPECT_EQ(without.outputs, with.outputs) << name;
    EXPECT_LT(with.arena_bytes, without.arena_bytes) << name;
    std::cout << "[ qemu     ] " << name << ": arena " << with.arena_bytes << " bytes in bands, "
              << without.arena_bytes << " without; " << with.instructions << " against "
              << without.instructions << " instructions\n";
  }
}

// Several samples in one launch (the job file's `samples N`): each sample's outputs equal what
// the host runtime computes for it, and each inference has its own instruction count.
TEST(Qemu, SeveralSamplesInOneLaunchEqualTheHostRuntime) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path model = conformance() / "models" / "ad01_int8.tflite";
  const host::ModelFile file(model);
  host::HostInterpreter host_runner(file);
  constexpr uint32_t kSamples = 4;
  std::vector<uint8_t> inputs, expected;
  for (uint32_t seed = 1; seed <= kSamples; ++seed) {
    const TensorView in = host_runner.get().input(0);
    const std::vector<uint8_t> input = host::random_input(in, seed, 0);
    inputs.insert(inputs.end(), input.begin(), input.end());
    std::copy(input.begin(), input.end(), static_cast<uint8_t*>(in.data));
    host_runner.invoke();
    const TensorView out = host_runner.get().output(0);
    const uint8_t* bytes = static_cast<const uint8_t*>(out.data);
    expected.insert(expected.end(), bytes, bytes + out.bytes());
  }
  const fs::path dir = fs::path(::testing::TempDir()) / "tinyforge_qemu_samples";
  fs::create_directories(dir);
  host::write_file(dir / "inputs.bin", inputs.data(), inputs.size());
  const deploy::BoardRun r =
      deploy::run_model_on_board("mps2-an386", model, {dir / "inputs.bin"}, 600, kSamples);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0], expected);
  ASSERT_EQ(r.instructions_per_sample.size(), kSamples);
  for (uint64_t n : r.instructions_per_sample) EXPECT_GT(n, 0u);
  EXPECT_EQ(r.instructions, r.instructions_per_sample[0]);

  // An input file that does not hold exactly N tensors is refused before QEMU starts.
  try {
    deploy::run_model_on_board("mps2-an386", model, {dir / "inputs.bin"}, 600, kSamples + 1);
    FAIL() << "expected a size error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("5 samples"), std::string::npos) << e.what();
  }
}

// `profile`: one count per operator, in an execution order that names every operator once; their
// sum is the inference less the interpreter's few instructions between operators, and the outputs
// do not change.
TEST(Qemu, ProfileCountsEveryOperator) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path model = conformance() / "models" / "kws_ref_model.tflite";
  const fs::path input = conformance() / "vectors" / "kws_ref_model" / "input_1_0.bin";
  const int ops = host::ModelFile(model).model().num_operators();
  const deploy::BoardRun whole = deploy::run_model_on_board("mps2-an386", model, {input});
  const deploy::BoardRun profiled =
      deploy::run_model_on_board("mps2-an386", model, {input}, 600, 1, /*profile=*/true);
  EXPECT_EQ(profiled.outputs, whole.outputs);
  ASSERT_EQ(static_cast<int>(profiled.instructions_per_op.size()), ops);
  std::vector<int> order = profiled.op_order;
  std::sort(order.begin(), order.end());
  for (int i = 0; i < ops; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
  uint64_t sum = 0;
  for (uint64_t n : profiled.instructions_per_op) {
    EXPECT_GT(n, 0u);
    sum += n;
  }
  EXPECT_EQ(profiled.instructions, sum);
  EXPECT_LE(sum, whole.instructions + 20u * static_cast<uint64_t>(ops));
  EXPECT_GE(sum + 100u * static_cast<uint64_t>(ops), whole.instructions);
  EXPECT_TRUE(whole.instructions_per_op.empty());
}

// insn_loop runs `subs; bne` N times between the markers. The window also holds a fixed 5:
// hal_insn_begin's `bx lr`, the argument move, `bl loop`, loop's `bx lr` and `bl hal_insn_end`.
TEST(Qemu, InstructionCounterIsExactOnALoopOfKnownLength) {
  TINYFORGE_REQUIRE_QEMU();
  for (const auto& board : deploy::known_boards()) {
    const fs::path elf = deploy::build_board_firmware(board) / "insn_loop.elf";
    for (uint64_t n : {1000u, 1001u, 250000u}) {
      for (int repeat = 0; repeat < 2; ++repeat) {
        const auto r = deploy::run_qemu(deploy::board_info(board), elf, std::to_string(n), 60);
        ASSERT_EQ(r.exit_code, 0) << board << ": " << r.console;
        ASSERT_EQ(r.instructions.size(), 1u) << board;
        EXPECT_EQ(r.instructions[0], 2 * n + 5) << board << " N=" << n;
      }
    }
  }
}

// A fully connected layer with 5 MiB of weights: more than mps2-an386's 4 MiB of RAM or flash.
std::vector<uint8_t> too_large_model() {
  ModelBuilder m;
  const int depth = 2048, units = 2560;
  const int in = m.add_input(DataType::kInt8, {1, depth}, per_tensor(0.5f, 0));
  const int w = m.add_constant_bytes(DataType::kInt8, {units, depth},
                                     std::vector<uint8_t>(static_cast<size_t>(units) * depth, 1),
                                     per_tensor(0.01f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, units}, per_tensor(1.0f, 0));
  auto options = tflite::CreateFullyConnectedOptions(m.fbb()).Union();
  m.add_op(tflite::BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out},
           tflite::BuiltinOptions::FullyConnectedOptions, options, 4);
  return m.finish();
}

TEST(Qemu, ModelTooLargeForTheBoardGivesAClearError) {
  TINYFORGE_REQUIRE_QEMU();
  const int depth = 2048;
  const auto bytes = too_large_model();
  const fs::path dir = fs::path(::testing::TempDir()) / "tinyforge_qemu_too_large";
  fs::create_directories(dir);
  host::write_file(dir / "big.tflite", bytes.data(), bytes.size());
  const std::vector<uint8_t> input(depth, 3);
  host::write_file(dir / "in.bin", input.data(), input.size());
  try {
    deploy::run_model_on_board("mps2-an386", dir / "big.tflite", {dir / "in.bin"});
    FAIL() << "expected the model not to fit";
  } catch (const host::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("does not fit mps2-an386"), std::string::npos) << message;
    EXPECT_NE(message.find("RAM budget"), std::string::npos) << message;
    EXPECT_NE(message.find("over by"), std::string::npos) << message;
  }
}

// deploy: the linker refuses the image and the error names the flash budget and the overflow.
TEST(Qemu, DeployOfATooLargeModelNamesTheFlashBudgetAndOverflow) {
  TINYFORGE_REQUIRE_QEMU();
  const auto bytes = too_large_model();
  const fs::path dir = fs::path(::testing::TempDir()) / "tinyforge_deploy_too_large";
  fs::remove_all(dir);
  fs::create_directories(dir);
  host::write_file(dir / "big.tflite", bytes.data(), bytes.size());
  try {
    deploy::deploy_model(dir / "big.tflite", "mps2-an386", dir / "project");
    FAIL() << "expected the link to fail";
  } catch (const host::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("does not fit mps2-an386: FLASH budget 4194304 bytes"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("overflowed by"), std::string::npos) << message;
  }
}

// deploy: a per-model image with only the model's kernels, which runs and reports its figures.
TEST(Qemu, DeployBuildsAnImageThatRuns) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = fs::path(::testing::TempDir()) / "tinyforge_deploy_ad01";
  fs::remove_all(dir);
  const auto r =
      deploy::deploy_model(conformance() / "models" / "ad01_int8.tflite", "mps2-an386", dir);
  EXPECT_TRUE(r.fits);
  EXPECT_EQ(r.flash_model_bytes, 276976u);
  EXPECT_GT(r.flash_code_bytes, 0u);
  EXPECT_EQ(r.ops, std::vector<std::string>{"FULLY_CONNECTED"});
  EXPECT_EQ(r.ram_stack_bytes, 0x8000u);
  const auto run = deploy::run_qemu(deploy::board_info("mps2-an386"), r.elf, "", 60);
  EXPECT_EQ(run.exit_code, 0) << run.console;
  EXPECT_NE(run.console.find("TF_RESULT"), std::string::npos) << run.console;
  EXPECT_EQ(run.instructions.size(), 1u);
}

// deploy builds only the dtype paths its model takes: an int8 model's image leaves float32 and
// int16 out, a float model's keeps float32; both run.
TEST(Qemu, DeployedImagesKeepOnlyTheirModelsDtypes) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  for (const auto& [name, dtypes] : std::vector<std::pair<std::string, std::string>>{
           {"kws_ref_model", ""}, {"hello_world_float", "float32"}}) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("tinyforge_deploy_" + name);
    fs::remove_all(dir);
    const auto r =
        deploy::deploy_model(conformance() / "models" / (name + ".tflite"), "mps2-an386", dir);
    std::ifstream project(dir / "CMakeLists.txt");
    const std::string text((std::istreambuf_iterator<char>(project)),
                           std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("set(TINYFORGE_DTYPES \"" + dtypes + "\""), std::string::npos) << text;
    const auto run = deploy::run_qemu(deploy::board_info("mps2-an386"), r.elf, "", 120);
    EXPECT_EQ(run.exit_code, 0) << name << ": " << run.console;
    EXPECT_NE(run.console.find("TF_RESULT"), std::string::npos) << name << ": " << run.console;
    EXPECT_EQ(run.instructions.size(), 1u) << name;
  }
}

// A runtime built without float32 (TINYFORGE_DTYPES) refuses a float model when it verifies it,
// naming the dtype, instead of running kernels whose float paths are not there.
TEST(Qemu, RuntimeWithoutFloatRefusesAFloatModel) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  const fs::path dir = fs::path(::testing::TempDir()) / "tinyforge_runner_int8_only";
  deploy::build_firmware(dir / "build", "mps2-an386", {"-DTINYFORGE_DTYPES="});
  std::ofstream job(dir / "job.txt");
  job << "model " << (conformance() / "models" / "hello_world_float.tflite").string() << "\n";
  job.close();
  const auto run =
      deploy::run_qemu(deploy::board_info("mps2-an386"), dir / "build" / "tinyforge_runner.elf",
                       (dir / "job.txt").string(), 60);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.console.find("FLOAT32 is left out of this build (TINYFORGE_DTYPES)"),
            std::string::npos)
      << run.console;
}

TEST(Qemu, UnknownBoardListsTheKnownOnes) {
  try {
    deploy::board_info("mps2-an999");
    FAIL();
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mps2-an386, mps2-an500, mps3-an547"), std::string::npos)
        << e.what();
  }
}

// Conformance on QEMU: every manifest model with vectors except float32 ones, on mps2-an386;
// kws_ref_model and person_detect also on mps2-an500 and mps3-an547. One test per model and
// board, so CTest reports each; models whose operators are not merged yet fail until they are.
struct Case {
  std::string model;
  std::string board;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " on " << c.board; }

std::vector<Case> conformance_cases() {
  std::vector<Case> cases;
  std::ifstream in(conformance() / "manifest.json");
  if (!in) return cases;
  const auto manifest = nlohmann::json::parse(in);
  for (const auto& [name, entry] : manifest["models"].items()) {
    // Models without vectors (kws_ref_model_float32, which TFLM refuses) are not run.
    if (!entry.contains("vectors") || !entry["vectors"].is_object()) continue;
    if (!entry["inputs"].is_array() || !entry["outputs"].is_array()) continue;
    bool is_float = false;
    for (const auto& t : entry["inputs"]) is_float |= t["dtype"] == "float32";
    for (const auto& t : entry["outputs"]) is_float |= t["dtype"] == "float32";
    if (is_float) continue;
    cases.push_back({name, "mps2-an386"});
    if (name == "kws_ref_model" || name == "person_detect") {
      cases.push_back({name, "mps2-an500"});
      cases.push_back({name, "mps3-an547"});
    }
  }
  return cases;
}

class QemuConformance : public ::testing::TestWithParam<Case> {};

TEST_P(QemuConformance, FirstVectorIsByteIdentical) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_QEMU();
  expect_vector_matches(GetParam().board, GetParam().model, 1);
}

INSTANTIATE_TEST_SUITE_P(Manifest, QemuConformance, ::testing::ValuesIn(conformance_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.model + "_" + info.param.board;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(QemuConformance);

}  // namespace
}  // namespace tinyforge::testing
