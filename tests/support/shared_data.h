// Locates ../shared (the conformance corpus and baselines). Tests that need it skip with a
// message where it is absent (a user's fresh clone) and fail where CI=true.
#ifndef TINYFORGE_TESTS_SUPPORT_SHARED_DATA_H_
#define TINYFORGE_TESTS_SUPPORT_SHARED_DATA_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tinyforge::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("TINYFORGE_SHARED_DIR")) return env;
  return TINYFORGE_SHARED_DIR;
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace tinyforge::testing

// Use at the start of a test that reads ../shared.
#define TINYFORGE_REQUIRE_SHARED()                                                        \
  do {                                                                                    \
    if (!std::filesystem::exists(::tinyforge::testing::shared_dir() / "conformance")) {   \
      if (::tinyforge::testing::running_in_ci()) {                                        \
        FAIL() << "CI=true but the shared corpus is missing at "                          \
               << ::tinyforge::testing::shared_dir();                                     \
      }                                                                                   \
      GTEST_SKIP() << "shared corpus not found at " << ::tinyforge::testing::shared_dir() \
                   << " (set TINYFORGE_SHARED_DIR); skipping";                            \
    }                                                                                     \
  } while (0)

#endif  // TINYFORGE_TESTS_SUPPORT_SHARED_DATA_H_
