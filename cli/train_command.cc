#include <iostream>

#include "cli/command.h"
#include "toolkit/host/model_file.h"
#include "toolkit/pipeline/anomaly.h"
#include "toolkit/pipeline/detection.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/train_run.h"

namespace tinyforge::cli {

void add_train_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "train",
      "Train the model a project file describes; writes model.tfm (after every epoch) and "
      "log.csv into the output directory");
  struct Options {
    std::string project;
    std::optional<int> epochs;
    std::optional<std::string> out;
    std::optional<uint64_t> seed;
    std::optional<std::string> data;
    bool resume = false;
    bool overwrite = false;
    bool skip_bad = false;
    bool json = false;
    bool no_report = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("project", o->project, "The project file (YAML)")->required();
  cmd->add_option("--epochs", o->epochs, "Override training.epochs")
      ->check(whole_number_at_least(0));
  cmd->add_option("--out", o->out, "Override output.dir");
  cmd->add_option("--seed", o->seed, "Override training.seed")->check(whole_number_at_least(0));
  auto* resume = cmd->add_flag("--resume", o->resume,
                               "Continue from the output directory's model.tfm (of this project)");
  cmd->add_flag("--overwrite", o->overwrite,
                "Replace a previous run in the output directory (without it, or --resume, a "
                "directory holding model.tfm or log.csv is refused)")
      ->excludes(resume);
  cmd->add_option("--data", o->data,
                  "Train on this dataset folder or file instead of the project's data.path "
                  "(same format); model.tfm records it");
  cmd->add_flag("--skip-bad", o->skip_bad,
                "Skip unreadable or malformed samples (counted in the output) instead of stopping");
  cmd->add_flag("--no-report", o->no_report,
                "Do not write train.json and report.html (docs/report.md) into the run directory");
  cmd->add_flag("--json", o->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([o, &exit_code]() {
    exit_code = run_command(o->json, [&]() {
      pipeline::Project project = pipeline::load_project(o->project);
      pipeline::apply_overrides(project, {o->epochs, o->out, o->seed, o->skip_bad, o->data});
      const pipeline::RunStart start = o->resume      ? pipeline::RunStart::kResume
                                       : o->overwrite ? pipeline::RunStart::kOverwrite
                                                      : pipeline::RunStart::kFresh;
      nlohmann::json result = pipeline::run_training(project, start);
      if (!o->no_report) {
        // The result beside the run (the report's evaluation section reads it), then the report.
        const std::filesystem::path run_dir =
            std::filesystem::path(result["log_file"].get<std::string>()).parent_path();
        const std::string text = result.dump(2) + "\n";
        host::write_file(run_dir / "train.json", text.data(), text.size());
        const std::string report = report_defaults::write(run_dir, run_dir / "model_float.tflite",
                                                          "", run_dir / "report.html");
        if (!report.empty()) result["report_file"] = report;
      }
      if (!o->json) {
        std::cout << result["evaluated_split"].get<std::string>() << " split ("
                  << result["evaluated_samples"].dump() << " samples, evaluated once after "
                  << "training): ";
        if (result.contains("test_mae")) {
          std::cout << "MAE " << result["test_mae"].dump() << ", RMSE "
                    << result["test_rmse"].dump() << ", R2 " << result["test_r2"].dump();
        } else if (result.contains("count_mae")) {
          std::cout << pipeline::detection_text(result);
        } else if (result.contains("roc_auc")) {
          std::cout << pipeline::anomaly_text(result);
        } else {
          std::cout << "accuracy " << result["test_accuracy_pct"].dump() << " %";
        }
        std::cout << ", loss " << result["test_loss"].dump()
                  << "\nmodel: " << result["model_file"].get<std::string>()
                  << "\nlog:   " << result["log_file"].get<std::string>() << std::endl;
      }
      return result;
    });
  });
}

}  // namespace tinyforge::cli
