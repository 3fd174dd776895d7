// `tinyforge tune PROJECT.yaml --board B [budgets] --trials N [--epochs E] --out DIR
//  [--executor local|slurm] [--seed S] [--json]` (docs/tune.md)
#include <iostream>

#include "cli/command.h"
#include "toolkit/tune/search.h"

namespace tinyforge::cli {

void add_tune_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "tune",
      "Search architectures (the project's tune: block) for the most accurate int8 model within "
      "a board's arena, flash and latency budgets, checked exactly: before training on the "
      "untrained int8 model, after it on the trained one, and by deploying the best "
      "(docs/tune.md)");
  struct Options {
    tune::TuneOptions tune;
    std::string max_arena, max_flash, max_model;
    std::optional<double> max_latency_ms;
    std::optional<double> clock_mhz;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("project", o->tune.project,
                  "The project file (YAML) with an optional tune: block")
      ->required();
  cmd->add_option("--data", o->tune.data,
                  "Search on this dataset folder or file instead of the project's data.path");
  cmd->add_option("--board", o->tune.board, "mps2-an386 (default), mps2-an500 or mps3-an547");
  cmd->add_option("--max-arena", o->max_arena, "Device arena budget (65536, 64KB, 1MB)");
  cmd->add_option("--max-flash", o->max_flash,
                  "Flash budget for the deployed image: the kernels' code plus the model");
  cmd->add_option("--max-model", o->max_model,
                  "Budget for the .tflite alone (its C array in flash)");
  cmd->add_option("--max-latency-ms", o->max_latency_ms,
                  "Latency budget per inference, from QEMU's instruction count at --clock-mhz")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--clock-mhz", o->clock_mhz,
                  "Core clock for the latency (one instruction per cycle); default the board's")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--trials", o->tune.trials,
                  "Candidates to train (over-budget ones are pruned before training and not "
                  "counted); default 8")
      ->check(whole_number_at_least(1));
  cmd->add_option("--epochs", o->tune.epochs,
                  "Epochs of a full training (successive halving starts lower); default the "
                  "project's training.epochs")
      ->check(whole_number_at_least(1));
  cmd->add_option("--out", o->tune.out, "The search's directory (run again to continue it)")
      ->required();
  cmd->add_option("--executor", o->tune.executor,
                  "local (default: trials in parallel here) or slurm (one sbatch job per trial; "
                  "--out must be on a filesystem the nodes share)")
      ->check(CLI::IsMember({"local", "slurm"}));
  cmd->add_option("--seed", o->tune.seed, "Seed of the search (default 1)");
  cmd->add_option("--parallel", o->tune.parallel,
                  "local: trials at a time (default: cores / --threads)")
      ->check(whole_number_at_least(1));
  cmd->add_option("--threads", o->tune.threads,
                  "Threads per trial (OMP_NUM_THREADS; keep it equal across executors for equal "
                  "results); default 1")
      ->check(whole_number_at_least(1));
  cmd->add_option("--retries", o->tune.slurm.retries,
                  "slurm: submissions again of a failed or pre-empted trial (default 2)")
      ->check(whole_number_at_least(0));
  cmd->add_option("--sbatch-args", o->tune.slurm.extra_args,
                  "slurm: more sbatch arguments, e.g. '--partition=cpu --time=30'");
  cmd->add_flag("--json", o->json,
                "Print one JSON object as the last line (best_model, test_accuracy_pct, "
                "arena_bytes, flash_bytes, latency_ms, trials, pareto)");
  cmd->callback([o, &exit_code]() {
    exit_code = run_command(o->json, [&]() {
      tune::TuneOptions options = o->tune;
      // A malformed size is a wrong command line (exit 2), found before any work.
      const auto size = [](const std::string& text, const char* flag) -> std::optional<uint64_t> {
        if (text.empty()) return std::nullopt;
        try {
          return tune::parse_size(text, flag);
        } catch (const std::exception& e) {
          throw UsageError(std::string("tune: ") + e.what());
        }
      };
      options.budgets.arena_bytes = size(o->max_arena, "--max-arena");
      options.budgets.flash_bytes = size(o->max_flash, "--max-flash");
      options.budgets.model_bytes = size(o->max_model, "--max-model");
      options.budgets.latency_ms = o->max_latency_ms;
      if (o->clock_mhz) options.budgets.clock_mhz = *o->clock_mhz;
      options.slurm.cpus_per_task = options.threads;
      options.tinyforge = std::filesystem::canonical("/proc/self/exe");
      options.progress = true;
      nlohmann::json result = tune::run_tune(options);
      if (!o->json) std::cout << tune::tune_table(result);
      return result;
    });
  });
}

}  // namespace tinyforge::cli
