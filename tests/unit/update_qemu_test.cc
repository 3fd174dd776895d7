// The update agent on mps2-an386 under QEMU (firmware/apps/update_agent.cc): the same agent code
// as the host's tests installs a package, is measured (instructions for receive + verify +
// switch, for the Ed25519 verification alone, for the boot after it; stack) and survives a power
// cut at a sample of its flash operations.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "tests/support/require_qemu.h"
#include "tests/support/update_fixture.h"
#include "toolkit/deploy/qemu_runner.h"

namespace tinyforge {
namespace {

void write_bytes(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), std::streamsize(size));
}

TEST(UpdateQemu, AgentVerifiesSwitchesAndSurvivesPowerCutsOnTheBoard) {
  TINYFORGE_REQUIRE_QEMU();
  testing::PackageMaker maker;
  const auto old_package = maker.make({0.5f, 1});
  const auto new_package = maker.make({-0.25f, 2});
  host::TempDir dir("tinyforge-update-qemu-");
  write_bytes(dir.path() / "key.bin", maker.public_key().data(), maker.public_key().size());
  write_bytes(dir.path() / "old.tfpkg", old_package.data(), old_package.size());
  write_bytes(dir.path() / "new.tfpkg", new_package.data(), new_package.size());
  // Every 8th flash operation: a sample (the host's test covers every one).
  const std::string every = std::getenv("TINYFORGE_UPDATE_CUT_EVERY") != nullptr
                                ? std::getenv("TINYFORGE_UPDATE_CUT_EVERY")
                                : "8";
  const auto elf = deploy::build_board_firmware("mps2-an386") / "update_agent.elf";
  const auto run = deploy::run_qemu(deploy::board_info("mps2-an386"), elf,
                                    (dir.path() / "key.bin").string() + " " +
                                        (dir.path() / "old.tfpkg").string() + " " +
                                        (dir.path() / "new.tfpkg").string() + " " + every,
                                    600);
  ASSERT_EQ(run.exit_code, 0) << run.console;
  ASSERT_EQ(run.instructions.size(), 3u) << run.console;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      run.console, m, std::regex(R"(TF_RESULT cuts=(\d+) bricked=0 mixed=0 counter_back=0)")))
      << run.console;
  const int cuts = std::stoi(m[1].str());
  EXPECT_GT(cuts, 5);
  // The verification is inside the update; the boot hashes the slot but checks no signature.
  EXPECT_GT(run.instructions[0], run.instructions[1]);
  EXPECT_LT(run.instructions[2], run.instructions[1]);
  std::printf(
      "mps2-an386: receive+verify+switch %llu instructions, Ed25519 verify %llu, boot %llu; "
      "package %zu bytes; %d power cuts, 0 bricked, 0 mixed\n%s",
      (unsigned long long)run.instructions[0], (unsigned long long)run.instructions[1],
      (unsigned long long)run.instructions[2], new_package.size(), cuts, run.console.c_str());
}

}  // namespace
}  // namespace tinyforge
