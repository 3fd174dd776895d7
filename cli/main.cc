// tinyforge: the TinyML workflow in one tool. Subcommands live in their own files.
#include <iostream>

#include "cli/command.h"
#include "toolkit/host/error.h"

namespace tinyforge::cli {

int run_command(bool json, const std::function<nlohmann::json()>& body) {
  try {
    nlohmann::json result = body();
    if (json) std::cout << result.dump() << std::endl;
    // A result that carries an "error" (e.g. inspect of a model that cannot run) is a failure.
    if (result.is_object() && result.contains("error")) {
      std::cerr << "tinyforge: " << result["error"].get<std::string>() << std::endl;
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    if (json) {
      std::cout << nlohmann::json{{"error", e.what()}}.dump() << std::endl;
    }
    std::cerr << "tinyforge: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace tinyforge::cli

int main(int argc, char** argv) {
  CLI::App app{
      "tinyforge: datasets, training, quantization, .tflite export and a bit-exact "
      "microcontroller runtime in one C++ toolkit"};
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
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
