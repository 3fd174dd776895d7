// `export c-array`: identifiers, SHA-256, and a round trip through g++ and arm-none-eabi-g++ that
// gives back exactly the model's bytes.
#include "toolkit/export/c_array.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/shared_data.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tinyforge_c_array_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int shell(const std::string& command) { return std::system(command.c_str()); }

bool have(const std::string& tool) { return shell("command -v " + tool + " >/dev/null 2>&1") == 0; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CArray, IdentifiersAreValidCAndCpp) {
  EXPECT_EQ(host::c_identifier("hello_world_int8"), "hello_world_int8");
  EXPECT_EQ(host::c_identifier("my-model v2"), "my_model_v2");
  EXPECT_EQ(host::c_identifier("2d.net"), "model_2d_net");
  EXPECT_EQ(host::c_identifier("int"), "int_model");
  EXPECT_EQ(host::c_identifier("class"), "class_model");
  EXPECT_EQ(host::c_identifier("__Model__"), "Model");
  EXPECT_EQ(host::c_identifier("---"), "model_data");
  EXPECT_EQ(host::c_identifier("a__b"), "a_b");
  for (const char* name : {"model_2d_net", "g_model", "Model"}) {
    EXPECT_TRUE(host::is_valid_c_identifier(name)) << name;
  }
  for (const char* name : {"2d", "int", "_Model", "a__b", "a-b", "", "main", "constexpr"}) {
    EXPECT_FALSE(host::is_valid_c_identifier(name)) << name;
  }
}

TEST(CArray, Sha256MatchesKnownDigests) {
  EXPECT_EQ(host::sha256_hex("", 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(host::sha256_hex("abc", 3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CArray, RejectsBadNamesWithAClearMessage) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path model = shared_dir() / "conformance" / "models" / "hello_world_int8.tflite";
  const fs::path dir = fresh_dir("bad_name");
  host::CArrayOptions options;
  options.name = "3x";
  try {
    host::export_c_array(model, dir / "m.h", options);
    FAIL() << "expected an error";
  } catch (const host::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--name '3x'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "m.h"));
}

TEST(CArray, HeaderDescribesTheModel) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path model = shared_dir() / "conformance" / "models" / "hello_world_int8.tflite";
  const fs::path dir = fresh_dir("describe");
  const auto r = host::export_c_array(model, dir / "model_data.h", {});
  EXPECT_EQ(r.identifier, "hello_world_int8");
  const std::string text = read_text(dir / "model_data.h");
  const auto bytes = host::read_file(model);
  EXPECT_NE(text.find("sha256:  " + host::sha256_hex(bytes.data(), bytes.size())),
            std::string::npos);
  EXPECT_NE(text.find("alignas(16) const unsigned char hello_world_int8[]"), std::string::npos);
  EXPECT_NE(text.find("const unsigned int hello_world_int8_len = 2704;"), std::string::npos);
  EXPECT_NE(text.find("input  0: serving_default_dense_input:0 int8 [1, 1]"), std::string::npos);
  EXPECT_NE(text.find("output 0: StatefulPartitionedCall:0 int8 [1, 1]"), std::string::npos);
  const host::ModelFile file(model);
  // The device arena (reference kernels without --board) is named and defined for the program.
  const std::string device =
      std::to_string(host::plan_device_arena(file.model(), KernelSet::kReference).total_bytes);
  EXPECT_NE(
      text.find("arena:   " + device + " bytes on a 32-bit device with the reference kernels"),
      std::string::npos)
      << text.substr(0, 1200);
  EXPECT_NE(text.find("const unsigned int hello_world_int8_arena_bytes = " + device + ";"),
            std::string::npos);
  EXPECT_NE(text.find("const float hello_world_int8_input_scale = "), std::string::npos);
  EXPECT_NE(text.find("const int hello_world_int8_input_zero_point = -128;"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "model_data.h.partial"));
}

// Compiles the header with the host g++, runs a program that writes the array back out, and
// compares with the .tflite; also as C (gcc) to check the header is valid C11.
TEST(CArray, RoundTripsThroughHostCompiler) {
  TINYFORGE_REQUIRE_SHARED();
  if (!have("g++")) GTEST_SKIP() << "g++ not found";
  for (const char* name : {"hello_world_int8", "ad01_int8"}) {
    const fs::path model =
        shared_dir() / "conformance" / "models" / (std::string(name) + ".tflite");
    const fs::path dir = fresh_dir(std::string("host_") + name);
    host::CArrayOptions options;
    options.name = "g_model";
    options.progmem = true;
    host::export_c_array(model, dir / "model_data.h", options);
    std::ofstream(dir / "dump.cc")
        << "#include <cstdint>\n#include <cstdio>\n#include \"model_data.h\"\n"
           "int main(int, char** argv) {\n"
           "  if (reinterpret_cast<std::uintptr_t>(g_model) % 16) return 2;\n"
           "  FILE* f = std::fopen(argv[1], \"wb\");\n"
           "  return std::fwrite(g_model, 1, g_model_len, f) == g_model_len"
           " && std::fclose(f) == 0 ? 0 : 1;\n}\n";
    const std::string d = dir.string();
    ASSERT_EQ(shell("g++ -std=c++17 -Wall -Werror -o " + d + "/dump " + d + "/dump.cc"), 0);
    ASSERT_EQ(shell(d + "/dump " + d + "/back.bin"), 0);
    EXPECT_EQ(host::read_file(dir / "back.bin"), host::read_file(model)) << name;
    std::ofstream(dir / "c.c")
        << "#include \"model_data.h\"\nint main(void) { return g_model[4] != 'T'; }\n";
    EXPECT_EQ(shell("gcc -std=c11 -Wall -Werror -o " + d + "/c " + d + "/c.c && " + d + "/c"), 0);
  }
}

// Cross-compiles the .h/.cc pair for Cortex-M4 with --section and reads the section back with
// objcopy; the header alone (no --section) is checked through the symbol in .rodata.
TEST(CArray, RoundTripsThroughArmCompiler) {
  TINYFORGE_REQUIRE_SHARED();
  if (!have("arm-none-eabi-g++")) {
    if (running_in_ci()) FAIL() << "arm-none-eabi-g++ not found";
    GTEST_SKIP() << "arm-none-eabi-g++ not found";
  }
  const fs::path model = shared_dir() / "conformance" / "models" / "ad01_int8.tflite";
  const auto want = host::read_file(model);
  const fs::path dir = fresh_dir("arm");
  const std::string d = dir.string();
  const std::string cxx =
      "arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -Os -std=c++17 -Wall -Werror -c ";

  host::CArrayOptions pair;
  pair.source = true;
  pair.section = ".tinyforge_model";
  const auto r = host::export_c_array(model, dir / "pair.h", pair);
  ASSERT_EQ(r.files.size(), 2u);
  ASSERT_EQ(shell(cxx + d + "/pair.cc -o " + d + "/pair.o"), 0);
  ASSERT_EQ(shell("arm-none-eabi-objcopy -O binary --only-section=.tinyforge_model " + d +
                  "/pair.o " + d + "/section.bin"),
            0);
  EXPECT_EQ(host::read_file(dir / "section.bin"), want);
  // 16-byte alignment is recorded in the section header (2**4).
  ASSERT_EQ(shell("arm-none-eabi-objdump -h " + d +
                  "/pair.o | grep -A0 tinyforge_model | grep -q '2\\*\\*4'"),
            0);

  host::export_c_array(model, dir / "only.h", {});
  std::ofstream(dir / "use.cc")
      << "#include \"only.h\"\nextern \"C\" const unsigned char* model_ptr() "
         "{ return ad01_int8; }\n";
  ASSERT_EQ(shell(cxx + "-fdata-sections " + d + "/use.cc -o " + d + "/use.o"), 0);
  // The array's own section (-fdata-sections): .rodata.<symbol>.
  ASSERT_EQ(shell("arm-none-eabi-objdump -h " + d +
                  "/use.o | grep -o '\\.rodata[^ ]*ad01_int8[^ ]*' | "
                  "grep -v _len | head -1 > " +
                  d + "/section_name.txt"),
            0);
  std::string section = read_text(dir / "section_name.txt");
  while (!section.empty() && section.back() == '\n') section.pop_back();
  ASSERT_FALSE(section.empty());
  ASSERT_EQ(shell("arm-none-eabi-objcopy -O binary --only-section=" + section + " " + d +
                  "/use.o " + d + "/rodata.bin"),
            0);
  EXPECT_EQ(host::read_file(dir / "rodata.bin"), want);
}

}  // namespace
}  // namespace tinyforge::testing
