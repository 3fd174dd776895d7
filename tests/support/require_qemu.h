// Tests that run firmware on emulated boards need qemu-system-arm and arm-none-eabi-gcc: without
// them such a test is skipped on a workstation and fails in CI.
#ifndef TINYFORGE_TESTS_SUPPORT_REQUIRE_QEMU_H_
#define TINYFORGE_TESTS_SUPPORT_REQUIRE_QEMU_H_

#include <cstdlib>

#include "tests/support/shared_data.h"

namespace tinyforge::testing {

inline bool have_qemu_tools() {
  return std::system(
             "command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc "
             ">/dev/null") == 0;
}

}  // namespace tinyforge::testing

#define TINYFORGE_REQUIRE_QEMU()                                      \
  do {                                                                \
    if (!::tinyforge::testing::have_qemu_tools()) {                   \
      if (::tinyforge::testing::running_in_ci())                      \
        FAIL() << "qemu-system-arm or arm-none-eabi-gcc missing";     \
      GTEST_SKIP() << "qemu-system-arm or arm-none-eabi-gcc missing"; \
    }                                                                 \
  } while (0)

#endif  // TINYFORGE_TESTS_SUPPORT_REQUIRE_QEMU_H_
