// The stream application's settings as flags, shared by `deploy --app` and `stream`.
#ifndef TINYFORGE_CLI_APP_OPTIONS_H_
#define TINYFORGE_CLI_APP_OPTIONS_H_

#include <CLI/CLI.hpp>

#include "toolkit/deploy/app_config.h"

namespace tinyforge::cli {

// Registers --app (into `app`, described by `app_help`), --features, --source, --labels,
// --sample-rate, --window, --stride, --axes, --period, --average, --suppression-ms, --threshold,
// --thresholds and --ignore on `cmd`. Returns the options other than --app. `extra_apps` are
// kinds the command accepts besides the stream applications (deploy's detect).
std::vector<CLI::Option*> add_app_options(CLI::App* cmd, std::string& app,
                                          const std::string& app_help, deploy::AppOptions& o,
                                          const std::vector<std::string>& extra_apps = {});

}  // namespace tinyforge::cli

#endif  // TINYFORGE_CLI_APP_OPTIONS_H_
