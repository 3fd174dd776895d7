// Each subcommand registers itself on the CLI11 app and runs through run_command(), which turns
// exceptions into one-line errors (or {"error": ...} with --json) and a non-zero exit.
#ifndef TINYFORGE_CLI_COMMAND_H_
#define TINYFORGE_CLI_COMMAND_H_

#include <filesystem>
#include <functional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include "cli/arguments.h"

namespace tinyforge::cli {

// `body` returns the JSON object to print as the last line when `json` is set; an object with
// an "error" key still prints, but the command exits non-zero.
int run_command(bool json, const std::function<nlohmann::json()>& body);

void add_inspect_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_export_command(CLI::App& app, int& exit_code);
void add_deploy_command(CLI::App& app, int& exit_code);
void add_train_command(CLI::App& app, int& exit_code);
void add_eval_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_data_command(CLI::App& app, int& exit_code);
void add_features_command(CLI::App& app, int& exit_code);
void add_stream_command(CLI::App& app, int& exit_code);
// keygen, package and verify (signed model packages)
void add_package_commands(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);

namespace report_defaults {
// The report train and convert write beside their outputs (unless --no-report): written to
// `output` from `run_dir`, `model` and, if given, `layer_errors`; "" with a warning on stderr if
// it cannot be written (the command's own work stands).
std::string write(const std::filesystem::path& run_dir, const std::filesystem::path& model,
                  const std::filesystem::path& layer_errors, const std::filesystem::path& output);
}  // namespace report_defaults
void add_detect_command(CLI::App& app, int& exit_code);
void add_tune_command(CLI::App& app, int& exit_code);

}  // namespace tinyforge::cli

#endif  // TINYFORGE_CLI_COMMAND_H_
