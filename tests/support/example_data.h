// Runs the examples' data generators (examples/*/make_*.py) the way a user does, into a
// temporary directory, and reads back what they wrote: the file tree, WAV headers and
// samples (libsndfile), CSV tables.
#ifndef TINYFORGE_TESTS_SUPPORT_EXAMPLE_DATA_H_
#define TINYFORGE_TESTS_SUPPORT_EXAMPLE_DATA_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/shared_data.h"

namespace tinyforge::testing {

struct ScriptResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

// Runs `/usr/bin/python3 examples/<script> <args>` from the source tree.
ScriptResult run_example_script(const std::string& script, const std::string& args);

// The folder `examples/<script> --out DIR <args>` writes, generated once per machine and shared
// by the tests that train on it (the generators are deterministic): under the system temp dir,
// named after a hash of the script's text and `args`, so an edited generator makes a new one.
// Generated into a private folder and renamed into place, so concurrent tests never see half of
// it. Fails the calling test (and returns "") when the script fails.
std::filesystem::path generated_once(const std::string& script, const std::string& args);

// The first of `tools` not on PATH, or "" when all are there.
std::string missing_tool(const std::vector<std::string>& tools);

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

// Every regular file under `root`: relative path (with '/') -> contents.
std::map<std::string, std::string> read_tree(const std::filesystem::path& root);

struct Wav {
  int sample_rate = 0;
  int channels = 0;
  bool pcm16 = false;
  std::vector<int16_t> samples;  // interleaved
};
Wav read_wav(const std::filesystem::path& path);

// Mean energy (dB relative to full scale) of each window of `window` samples.
std::vector<double> window_energy_db(const std::vector<int16_t>& samples, size_t begin, size_t end,
                                     size_t window);

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
Csv read_csv(const std::filesystem::path& path);

std::vector<std::string> read_lines(const std::filesystem::path& path);

}  // namespace tinyforge::testing

// Skips a test whose generator needs a missing tool (espeak-ng, sox, /usr/bin/python3) on a
// developer's machine; fails under CI=true, where scripts/setup installs them.
#define TINYFORGE_REQUIRE_TOOLS(...)                                                          \
  do {                                                                                        \
    const std::string missing = ::tinyforge::testing::missing_tool({__VA_ARGS__});            \
    if (!missing.empty()) {                                                                   \
      if (::tinyforge::testing::running_in_ci())                                              \
        FAIL() << "CI=true but " << missing << " is missing (scripts/setup)";                 \
      GTEST_SKIP() << missing << " not installed (bash scripts/setup installs it); skipping"; \
    }                                                                                         \
  } while (0)

#endif  // TINYFORGE_TESTS_SUPPORT_EXAMPLE_DATA_H_
