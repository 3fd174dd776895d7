// Runs the `tinyforge` program as a script would (TINYFORGE_CLI is its path, set by CMake) and
// reads DESIGN.md's contract: the exit status and the JSON object on the last line of stdout.
#ifndef TINYFORGE_TESTS_SUPPORT_CLI_RUNNER_H_
#define TINYFORGE_TESTS_SUPPORT_CLI_RUNNER_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::testing {

struct CliResult {
  int exit_code;
  std::string out;  // stdout only; stderr (progress, messages) is discarded
  nlohmann::json last_json() const {
    const size_t end = out.find_last_not_of('\n');
    const size_t start = out.rfind('\n', end);
    return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1));
  }
};

// `args` is appended to the program's path as shell words.
inline CliResult run_cli(const std::string& args) {
  const std::string command = std::string(TINYFORGE_CLI) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  if (pipe == nullptr) return {-1, out};
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_CLI_RUNNER_H_
