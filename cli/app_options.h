// The stream application's settings as flags, shared by `deploy --app` and `stream`.
#ifndef TINYFORGE_CLI_APP_OPTIONS_H_
#define TINYFORGE_CLI_APP_OPTIONS_H_

#include <CLI/CLI.hpp>

#include "toolkit/deploy/app_config.h"

namespace tinyforge::cli {

// Registers --features, --source, --labels, --sample-rate, --window, --stride, --axes, --period,
// --average, --suppression-ms, --threshold, --thresholds and --ignore (not --app) on `cmd`.
void add_app_options(CLI::App* cmd, deploy::AppOptions& o);

}  // namespace tinyforge::cli

#endif  // TINYFORGE_CLI_APP_OPTIONS_H_
