// `tinyforge keygen`, `package` and `verify` as a script uses them (DESIGN.md's --json keys).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/cli_runner.h"
#include "tests/support/update_fixture.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

class PackageCliTest : public ::testing::Test {
 protected:
  PackageCliTest() {
    const auto model = testing::tiny_model(0.5f);
    host::write_file(dir_.path() / "model.tflite", model.data(), model.size());
    const auto input = testing::tiny_model_input();
    host::write_file(dir_.path() / "input.bin", input.data(), input.size());
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  testing::CliResult package(const std::string& extra) const {
    return run_cli("package " + path("model.tflite") + " --key " + path("keys/private.pem") +
                   " --version 1.4.0 --counter 7 --board mps2-an386 -o " + path("m.tfpkg") +
                   " --json " + extra);
  }
  host::TempDir dir_{"tinyforge-package-cli-"};
};

TEST_F(PackageCliTest, KeygenWritesAPrivateKeyOnlyTheOwnerReadsAndNeverOverwrites) {
  const auto r = run_cli("keygen -o " + path("keys") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.last_json()["private_key"], path("keys/private.pem"));
  EXPECT_EQ(r.last_json()["public_key"], path("keys/public.pem"));
  struct stat st;
  ASSERT_EQ(stat(path("keys/private.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto before = host::read_file(path("keys/private.pem"));
  const auto again = run_cli("keygen -o " + path("keys") + " --json");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.last_json()["error"].get<std::string>().find("already exists"),
            std::string::npos);
  EXPECT_EQ(host::read_file(path("keys/private.pem")), before);
}

TEST_F(PackageCliTest, PackagesAndVerifiesWithTheMetadataInside) {
  ASSERT_EQ(run_cli("keygen -o " + path("keys")).exit_code, 0);
  {
    std::ofstream(path("training.json"))
        << R"({"dataset_sha256": "abc", "test_accuracy_pct": 97.5})";
  }
  const auto p =
      package("--self-test " + path("input.bin") + " --metadata " + path("training.json"));
  ASSERT_EQ(p.exit_code, 0) << p.out;
  const auto pj = p.last_json();
  EXPECT_EQ(pj["output"], path("m.tfpkg"));
  EXPECT_EQ(pj["version"], "1.4.0");
  EXPECT_EQ(pj["counter"], 7);
  EXPECT_EQ(pj["board"], "mps2-an386");
  EXPECT_EQ(pj["payload_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(pj["package_bytes"].get<size_t>(), fs::file_size(path("m.tfpkg")));
  const auto v =
      run_cli("verify " + path("m.tfpkg") + " --pub " + path("keys/public.pem") + " --json");
  ASSERT_EQ(v.exit_code, 0) << v.out;
  const auto vj = v.last_json();
  EXPECT_EQ(vj["valid"], true);
  EXPECT_EQ(vj["reason"], "ok");
  EXPECT_EQ(vj["counter"], 7);
  EXPECT_EQ(vj["metadata"]["training"]["test_accuracy_pct"], 97.5);
  EXPECT_EQ(vj["metadata"]["tool"], "tinyforge");
}

TEST_F(PackageCliTest, VerifyRefusesAnotherKeyAndAlteredBytesWithTheReason) {
  ASSERT_EQ(run_cli("keygen -o " + path("keys")).exit_code, 0);
  ASSERT_EQ(run_cli("keygen -o " + path("other")).exit_code, 0);
  ASSERT_EQ(package("").exit_code, 0);
  const auto wrong =
      run_cli("verify " + path("m.tfpkg") + " --pub " + path("other/public.pem") + " --json");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.last_json()["valid"], false);
  EXPECT_NE(wrong.last_json()["error"].get<std::string>().find("signature"), std::string::npos);
  auto bytes = host::read_file(path("m.tfpkg"));
  bytes[bytes.size() / 2] ^= 0x10;
  host::write_file(path("bad.tfpkg"), bytes.data(), bytes.size());
  const auto bad =
      run_cli("verify " + path("bad.tfpkg") + " --pub " + path("keys/public.pem") + " --json");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.last_json()["error"].get<std::string>().find("bad.tfpkg"), std::string::npos);
  bytes = host::read_file(path("m.tfpkg"));
  bytes.resize(bytes.size() - 1);
  host::write_file(path("short.tfpkg"), bytes.data(), bytes.size());
  const auto trunc =
      run_cli("verify " + path("short.tfpkg") + " --pub " + path("keys/public.pem") + " --json");
  EXPECT_EQ(trunc.exit_code, 1);
  EXPECT_NE(trunc.last_json()["error"].get<std::string>().find("truncated"), std::string::npos);
}

TEST_F(PackageCliTest, PackageRefusesBadArgumentsNamingThem) {
  ASSERT_EQ(run_cli("keygen -o " + path("keys")).exit_code, 0);
  const auto version =
      run_cli("package " + path("model.tflite") + " --key " + path("keys/private.pem") +
              " --version 1.4 --counter 1 --board mps2-an386 -o " + path("x.tfpkg") + " --json");
  EXPECT_EQ(version.exit_code, 1);
  EXPECT_NE(version.last_json()["error"].get<std::string>().find("--version"), std::string::npos);
  const auto board =
      run_cli("package " + path("model.tflite") + " --key " + path("keys/private.pem") +
              " --version 1.4.0 --counter 1 --board nosuchboard -o " + path("x.tfpkg") + " --json");
  EXPECT_EQ(board.exit_code, 1);
  EXPECT_NE(board.last_json()["error"].get<std::string>().find("nosuchboard"), std::string::npos);
  const auto key =
      run_cli("package " + path("model.tflite") + " --key " + path("keys/public.pem") +
              " --version 1.4.0 --counter 1 --board mps2-an386 -o " + path("x.tfpkg") + " --json");
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_NE(key.last_json()["error"].get<std::string>().find("private key"), std::string::npos);
  const auto self_test = package("--self-test " + path("model.tflite"));
  EXPECT_EQ(self_test.exit_code, 1);
  EXPECT_NE(self_test.last_json()["error"].get<std::string>().find("self-test"), std::string::npos);
  EXPECT_FALSE(fs::exists(path("x.tfpkg")));
  EXPECT_FALSE(fs::exists(path("m.tfpkg")));
}

}  // namespace
}  // namespace tinyforge
