// One rung of one trial as a shell script any executor can run: train the trial's project for the
// rung's epochs (continuing the previous rung's checkpoint), convert it to int8 and count its
// instructions on the board; then the exit status goes into rungR.status. Everything a search
// needs is read back from the trial's directory.
#ifndef TINYFORGE_TOOLKIT_TUNE_TRIAL_SCRIPT_H_
#define TINYFORGE_TOOLKIT_TUNE_TRIAL_SCRIPT_H_

#include <filesystem>
#include <optional>
#include <string>

#include "toolkit/tune/executor.h"

namespace tinyforge::tune {

struct ScriptSettings {
  std::filesystem::path tinyforge;  // the program the jobs run
  std::string board;
  int threads = 1;  // OMP_NUM_THREADS of a trial (the same on every executor: same results)
};

// Writes TRIAL/rungR.sh (the trial directory holds project.yaml) and returns its job.
TrialJob write_trial_script(const std::filesystem::path& trial_dir, const std::string& name,
                            int rung, int epochs, const ScriptSettings& settings);

struct RungResult {
  bool finished = false;          // the script succeeded
  double accuracy_pct = 0;        // the int8 model in tinyforge's runtime, test split
  double float_accuracy_pct = 0;  // the float model, test split
  double train_seconds = 0;       // the rung's own epochs
  std::optional<uint64_t> instructions;
  std::filesystem::path model;  // rungR/model_int8.tflite
  std::string error;            // why it did not finish
};
RungResult read_rung_result(const std::filesystem::path& trial_dir, int rung);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_TRIAL_SCRIPT_H_
