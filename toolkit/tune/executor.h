// Where a search's trials run. A trial job is a shell script (train, convert, measure) that
// writes its exit status into `status_file` as its last act; the search reads everything else back
// from the job's directory, so the same scripts give the same results on every executor.
//   local  up to N scripts at a time on this machine
//   slurm  one sbatch job per script; job state from squeue, results from the shared filesystem;
//          a job that ends without its status file (failed node, pre-emption) or with a failure
//          is submitted again, up to `retries` times
#ifndef TINYFORGE_TOOLKIT_TUNE_EXECUTOR_H_
#define TINYFORGE_TOOLKIT_TUNE_EXECUTOR_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinyforge::tune {

struct TrialJob {
  std::string name;
  std::filesystem::path script;
  std::filesystem::path status_file;  // "0\n" on success
  std::filesystem::path log;          // the script's stdout and stderr
};

// The exit status a finished job wrote, or nothing if it has not written one.
std::optional<int> job_status(const TrialJob& job);

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Runs every job and returns when each has finished (or run out of retries).
  virtual void run(const std::vector<TrialJob>& jobs) = 0;
};

std::unique_ptr<Executor> make_local_executor(int parallel);

struct SlurmOptions {
  int cpus_per_task = 1;
  int retries = 2;
  std::string extra_args;  // passed to sbatch as they are (--partition=..., --time=...)
  double poll_seconds = 2.0;
};
std::unique_ptr<Executor> make_slurm_executor(const SlurmOptions& options);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_EXECUTOR_H_
