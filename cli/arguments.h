// The command line's own errors (DESIGN.md's contract, docs/cli.md): a wrong command line exits 2
// with a message that names the flag and what it takes, also as {"error": ...} under --json; every
// other failure exits 1 (run_command).
#ifndef TINYFORGE_CLI_ARGUMENTS_H_
#define TINYFORGE_CLI_ARGUMENTS_H_

#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace tinyforge::cli {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// An argument error found after parsing (flags that contradict each other): exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A whole number >= `minimum`; the message says so and quotes what was given.
CLI::Validator whole_number_at_least(long long minimum);

// Parses and runs the chosen command. A usage error prints "tinyforge CMD: what is wrong; see
// `tinyforge CMD --help`" on stderr (and {"error": ...} on stdout with --json) and returns 2.
int parse_and_run(CLI::App& app, int argc, char** argv, const int& exit_code);

}  // namespace tinyforge::cli

#endif  // TINYFORGE_CLI_ARGUMENTS_H_
