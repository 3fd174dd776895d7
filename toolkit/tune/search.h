// `tinyforge tune`: a device-aware model search (docs/tune.md). Candidates from the project's
// `tune:` block are checked against the board's budgets exactly before any training (an untrained
// int8 model has the arena, flash, MACs and instructions of the trained one) and pruned when over;
// the rest train through an executor with successive halving: every candidate a few epochs, the
// better half continues, up to the full epochs. Half the candidates are drawn at random, the rest
// are mutations of the best so far. The search is seeded: the same seed gives the same candidates
// and, as training is seeded too, the same results on every executor; a search stopped half-way
// continues where it stopped when run again into the same directory.
#ifndef TINYFORGE_TOOLKIT_TUNE_SEARCH_H_
#define TINYFORGE_TOOLKIT_TUNE_SEARCH_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "toolkit/tune/budget.h"
#include "toolkit/tune/executor.h"

namespace tinyforge::tune {

struct TuneOptions {
  std::filesystem::path project;
  std::optional<std::string> data;  // --data: replaces the project's data.path
  std::string board = "mps2-an386";
  Budgets budgets;            // clock_mhz 0: the board's clock
  int trials = 8;             // candidates trained (pruned ones are not counted)
  std::optional<int> epochs;  // full training; default the project's training.epochs
  std::filesystem::path out;
  uint64_t seed = 1;
  std::string executor = "local";  // local or slurm
  int parallel = 0;                // local: trials at a time (0: cores / threads)
  int threads = 1;                 // per trial
  SlurmOptions slurm;
  std::filesystem::path tinyforge;  // the program trial jobs run
  bool progress = true;
};

// Successive halving's epochs per rung for `epochs` in all: halving down to one epoch, at most
// three rungs (20 -> 5, 10, 20; 2 -> 1, 2; 1 -> 1).
std::vector<int> rung_epochs(int epochs);

// Runs the search into options.out and returns the --json object: best_model, test_accuracy_pct,
// float_accuracy_pct, arena_bytes, flash_bytes, latency_ms, instructions, best_project, deployed
// (the best model's deploy figures), trials (one row per candidate, pruned ones too), pareto
// (rows of the front), rung_epochs, board, seed, executor.
nlohmann::json run_tune(const TuneOptions& options);

// The table `tune` prints without --json.
std::string tune_table(const nlohmann::json& result);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_SEARCH_H_
