// tinyforge: the TinyML workflow in one tool. Subcommands live in their own files.
#include <iostream>

#include "cli/arguments.h"
#include "cli/command.h"
#include "toolkit/host/error.h"

namespace tinyforge::cli {
namespace {

// Model files may hold names that are not UTF-8; JSON output replaces such bytes with U+FFFD
// rather than failing (the text output shows them as they are).
std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int fail(bool json, const std::string& message, int exit_code) {
  if (json) std::cout << json_line({{"error", message}}) << std::endl;
  std::cerr << "tinyforge: " << message << std::endl;
  return exit_code;
}

}  // namespace

int run_command(bool json, const std::function<nlohmann::json()>& body) {
  try {
    nlohmann::json result = body();
    if (json) std::cout << json_line(result) << std::endl;
    // A result that carries an "error" (e.g. inspect of a model that cannot run) is a failure.
    if (result.is_object() && result.contains("error")) {
      std::cerr << "tinyforge: " << result["error"].get<std::string>() << std::endl;
      return kExitFailure;
    }
    return 0;
  } catch (const UsageError& e) {
    return fail(json, e.what(), kExitUsage);
  } catch (const std::exception& e) {
    return fail(json, e.what(), kExitFailure);
  }
}

}  // namespace tinyforge::cli

int main(int argc, char** argv) {
  CLI::App app{
      "tinyforge: datasets, training, quantization, .tflite export and a bit-exact "
      "microcontroller runtime in one C++ toolkit. Exit status: 0 success, 1 failure, 2 a wrong "
      "command line; with --json the last stdout line is one JSON object ({\"error\": ...} on "
      "failure)"};
  app.require_subcommand(1);
  int exit_code = 0;
  tinyforge::cli::add_inspect_command(app, exit_code);
  tinyforge::cli::add_run_command(app, exit_code);
  tinyforge::cli::add_export_command(app, exit_code);
  tinyforge::cli::add_deploy_command(app, exit_code);
  tinyforge::cli::add_train_command(app, exit_code);
  tinyforge::cli::add_eval_command(app, exit_code);
  tinyforge::cli::add_convert_command(app, exit_code);
  tinyforge::cli::add_data_command(app, exit_code);
  tinyforge::cli::add_features_command(app, exit_code);
  tinyforge::cli::add_stream_command(app, exit_code);
  tinyforge::cli::add_package_commands(app, exit_code);
  tinyforge::cli::add_report_command(app, exit_code);
  tinyforge::cli::add_detect_command(app, exit_code);
  tinyforge::cli::add_tune_command(app, exit_code);
  return tinyforge::cli::parse_and_run(app, argc, argv, exit_code);
}
