#include <iostream>

#include "cli/command.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/model_report.h"

namespace tinyforge::cli {

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "inspect",
      "Show a .tflite model's operators (with MACs), tensors (dtype, shape, scale/zero point), "
      "parameter count, arena figures and tinyforge metadata; a model this build cannot run is "
      "described whole, each operator and tensor it cannot run marked with the reason, and the "
      "command exits 1");
  struct Options {
    std::string model;
    std::string board;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("model", options->model, "The .tflite file")->required();
  cmd->add_option("--board", options->board,
                  "Plan device_arena_bytes for this board's kernels (mps2-an386, mps2-an500, "
                  "mps3-an547): the figure deploy reserves and run/eval --board report; "
                  "default: a 32-bit device with the reference kernels");
  cmd->add_flag("--json", options->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([options, &exit_code]() {
    exit_code = run_command(options->json, [&]() {
      const host::ModelFile file(options->model, /*allow_unrunnable=*/true);
      const KernelSet kernels = options->board.empty() ? KernelSet::kReference
                                                       : deploy::board_info(options->board).kernels;
      const host::ModelReport report = host::make_report(file, kernels, options->board);
      // A model that cannot run is still described whole; its "error" key makes the command fail.
      if (!options->json) std::cout << host::report_text(report);
      return host::report_json(report);
    });
  });
}

}  // namespace tinyforge::cli
