// `tinyforge deploy MODEL.tflite --board B -o DIR [--json]`
#include <iostream>

#include "cli/command.h"
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/inspect/arena_figures.h"

namespace tinyforge::cli {
namespace {

struct DeployOptions {
  std::string model;
  std::string board = "mps2-an386";
  std::string dir;
  bool json = false;
};

nlohmann::json deploy(const DeployOptions& o) {
  const deploy::DeployReport r = deploy::deploy_model(o.model, o.board, o.dir);
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
  }
  return {{"board", r.board},
          {"elf", r.elf.string()},
          {"flash_code_bytes", r.flash_code_bytes},
          {"flash_model_bytes", r.flash_model_bytes},
          {"ram_arena_bytes", r.ram_arena_bytes},
          // The device figure inspect --board and run/eval --board report for this board.
          {"device_arena_bytes", r.ram_arena_bytes},
          {"device_kernels", host::kernel_set_name(deploy::board_info(r.board).kernels)},
          {"ram_static_bytes", r.ram_static_bytes},
          {"ram_stack_bytes", r.ram_stack_bytes},
          {"fits", r.fits}};
}

}  // namespace

void add_deploy_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "deploy", "Generate and build a firmware project for a model and report flash and RAM");
  auto o = std::make_shared<DeployOptions>();
  cmd->add_option("model", o->model, "The .tflite file")->required();
  cmd->add_option("--board", o->board, "mps2-an386 (default), mps2-an500 or mps3-an547");
  cmd->add_option("-o,--output", o->dir, "The project directory to write")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback(
      [o, &exit_code]() { exit_code = run_command(o->json, [&]() { return deploy(*o); }); });
}

}  // namespace tinyforge::cli
