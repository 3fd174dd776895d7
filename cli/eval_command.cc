#include <iostream>

#include "cli/command.h"
#include "toolkit/pipeline/evaluation_text.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/train_run.h"

namespace tinyforge::cli {

void add_eval_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "eval",
      "Evaluate a .tfm (or a .tflite through the runtime) on the test split: accuracy, loss, "
      "precision/recall/F1 per class and macro, ROC-AUC, confusion matrix");
  struct Options {
    std::string model;
    std::string project;
    bool skip_bad = false;
    pipeline::EvalOptions eval;
    std::string raw_outputs;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("model", o->model, "model.tfm or a .tflite file")->required();
  cmd->add_option("project", o->project,
                  "The project file naming the dataset (default: the one stored in the .tfm)");
  cmd->add_flag("--skip-bad", o->skip_bad,
                "Skip unreadable or malformed samples (counted in the output) instead of stopping")
      ->needs(cmd->get_option("project"));
  cmd->add_option("--data", o->eval.data_path,
                  "Evaluate on this dataset folder or file instead of the project's data.path "
                  "(without a project: instead of the data the model trained on)");
  cmd->add_option("--limit", o->eval.limit,
                  "Only N samples of the test split: a seeded, stratified sample (every class in "
                  "its proportion), the same for the same N and seed")
      ->check(whole_number_at_least(1));
  cmd->add_option("--seed", o->eval.seed,
                  "The --limit sample's seed (default: the project's data.seed)")
      ->check(whole_number_at_least(0));
  cmd->add_option("--board", o->eval.board,
                  "Run the .tflite in QEMU on this board (mps2-an386, mps2-an500, mps3-an547), "
                  "every sample in one launch; adds arena_bytes and instructions per inference");
  cmd->add_option("--timeout", o->eval.timeout_seconds,
                  "With --board: seconds before QEMU is stopped")
      ->check(whole_number_at_least(1));
  cmd->add_option("--raw-outputs", o->raw_outputs,
                  "Write a .tflite's raw output bytes, every sample back to back, to this file");
  cmd->add_flag("--json", o->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([o, &exit_code]() {
    exit_code = run_command(o->json, [&]() {
      std::optional<pipeline::Project> project;
      if (!o->project.empty()) {
        project = pipeline::load_project(o->project);
        pipeline::apply_overrides(*project, {.skip_bad = o->skip_bad});
      }
      pipeline::EvalOptions options = o->eval;
      options.raw_outputs = o->raw_outputs;
      nlohmann::json result = pipeline::run_evaluation(o->model, project, options);
      if (!o->json) std::cout << pipeline::evaluation_text(result) << std::flush;
      return result;
    });
  });
}

}  // namespace tinyforge::cli
