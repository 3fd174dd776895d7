// `tinyforge deploy MODEL.tflite --board B -o DIR [--app KIND [--features F.tflite] ...] [--json]`
#include <iostream>

#include "cli/app_options.h"
#include "cli/command.h"
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/inspect/arena_figures.h"

namespace tinyforge::cli {
namespace {

struct DeployCommandOptions {
  std::string model;
  std::string board = "mps2-an386";
  std::string dir;
  std::string app;  // empty: one inference on zeroed inputs
  deploy::AppOptions app_options;
  bool app_flags = false;  // an application setting was given
  bool aot = false;
  bool json = false;
  bool no_patches = false;
};

nlohmann::json deploy(const DeployCommandOptions& o) {
  deploy::DeployOptions options;
  options.aot = o.aot;
  options.patches = !o.no_patches;
  if (o.app == "detect") {
    // Not a stream product: frames in, objects out (firmware/apps/detect_app.cc).
    if (o.app_flags) throw host::Error("--app detect takes no stream settings");
    options.detect_app = true;
  } else if (!o.app.empty()) {
    options.app = o.app_options;
    options.app->app = o.app;
  } else if (o.app_flags) {
    throw host::Error(
        "--features, --labels and the other stream settings need --app (kws, "
        "anomaly, gesture or classify)");
  }
  const deploy::DeployReport r = deploy::deploy_model(o.model, o.board, o.dir, options);
  if (!o.json) {
    std::string ops;
    for (const auto& op : r.ops) ops += (ops.empty() ? "" : ", ") + op;
    const uint64_t flash = r.flash_code_bytes + r.flash_model_bytes;
    const uint64_t ram = r.ram_arena_bytes + r.ram_static_bytes + r.ram_stack_bytes;
    std::cout << r.elf.string() << " (" << r.board << ", kernels: " << ops << ")\n"
              << "  flash " << flash << " of " << r.flash_budget_bytes << " bytes: code "
              << r.flash_code_bytes << ", model " << r.flash_model_bytes << "\n"
              << "  RAM   " << ram << " of " << r.ram_budget_bytes << " bytes: arena "
              << r.ram_arena_bytes << " (32-bit, " << r.board << "'s kernels), static "
              << r.ram_static_bytes << ", stack " << r.ram_stack_bytes << "\n"
              << "  " << (r.fits ? "fits" : "does NOT fit") << "\n";
    if (r.app) std::cout << "  app " << r.app->to_json().dump() << "\n";
  }
  nlohmann::json result = {
      {"board", r.board},
      {"elf", r.elf.string()},
      {"flash_code_bytes", r.flash_code_bytes},
      {"flash_model_bytes", r.flash_model_bytes},
      {"ram_arena_bytes", r.ram_arena_bytes},
      // The device figure inspect --board and run/eval --board report for this board.
      {"device_arena_bytes", r.ram_arena_bytes},
      {"device_kernels", host::kernel_set_name(deploy::board_info(r.board).kernels)},
      {"ram_static_bytes", r.ram_static_bytes},
      {"ram_stack_bytes", r.ram_stack_bytes},
      {"flash_budget_bytes", r.flash_budget_bytes},
      {"ram_budget_bytes", r.ram_budget_bytes},
      {"fits", r.fits}};
  if (r.app) result["app"] = r.app->to_json();
  return result;
}

}  // namespace

void add_deploy_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "deploy",
      "Generate and build a self-contained firmware project for a model (one inference, or with "
      "--app a stream product: sensor, features, classifier, decisions, actuator) and report "
      "flash and RAM");
  auto o = std::make_shared<DeployCommandOptions>();
  cmd->add_option("model", o->model, "The .tflite file (the classifier with --app)")->required();
  cmd->add_option("--board", o->board, "mps2-an386 (default), mps2-an500 or mps3-an547");
  cmd->add_option("-o,--output", o->dir, "The project directory to write")->required();
  const auto settings = add_app_options(cmd, o->app,
                                        "Build a stream application: kws, anomaly, gesture or "
                                        "classify (docs/firmware-app.md); or detect: a centroid "
                                        "or box detector printing the objects of each frame",
                                        o->app_options, {"detect"});
  cmd->add_flag("--aot", o->aot,
                "Compile the model ahead of time (export aot; docs/aot.md): no interpreter, "
                "flatbuffer or planner on the device");
  cmd->add_flag("--no-patches", o->no_patches,
                "Plan without patch-based execution (by default the first convolutions and pools "
                "of a vision model run in bands of rows where that lowers the arena; "
                "docs/runtime.md)");
  cmd->add_flag("--json", o->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([o, settings, &exit_code]() {
    for (const CLI::Option* option : settings) o->app_flags |= option->count() > 0;
    exit_code = run_command(o->json, [&]() { return deploy(*o); });
  });
}

}  // namespace tinyforge::cli
