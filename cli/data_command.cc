#include <iostream>

#include "cli/command.h"
#include "toolkit/data/inspect.h"
#include "toolkit/pipeline/project.h"

namespace tinyforge::cli {

void add_data_command(CLI::App& app, int& exit_code) {
  auto* data = app.add_subcommand("data", "Dataset tools");
  data->require_subcommand(1);
  auto* cmd = data->add_subcommand(
      "inspect", "Counts per class and split, sample shape, skipped samples, a PNG sample grid");
  struct Options {
    std::string project;
    std::string grid;
    std::optional<std::string> data;
    bool skip_bad = false;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("project", o->project, "The project file (YAML)")->required();
  cmd->add_option("--grid", o->grid, "Write a grid of sample images to this PNG");
  cmd->add_option("--data", o->data,
                  "Inspect this dataset folder or file instead of the project's data.path");
  cmd->add_flag("--skip-bad", o->skip_bad,
                "Skip unreadable or malformed samples (counted in the output) instead of stopping");
  cmd->add_flag("--json", o->json, "Print one JSON object as the last line");
  cmd->callback([o, &exit_code]() {
    exit_code = run_command(o->json, [&]() {
      pipeline::Project project = pipeline::load_project(o->project);
      pipeline::apply_overrides(project, {.skip_bad = o->skip_bad, .data_path = o->data});
      const data::DatasetSummary summary = data::inspect_dataset(project.data, o->grid);
      if (!o->json) std::cout << data::to_text(summary);
      return data::to_json(summary);
    });
  });
}

}  // namespace tinyforge::cli
