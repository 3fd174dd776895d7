// The Slurm executor: one sbatch job per trial script. Without slurmdbd there is no sacct, so a
// job is running while squeue lists it; once it is gone its status file (written by the script on
// the shared filesystem) says how it ended, and its absence means the job never finished.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "toolkit/deploy/shell.h"
#include "toolkit/host/error.h"
#include "toolkit/tune/executor.h"

namespace tinyforge::tune {
namespace {

std::string command_output(const std::string& command, int* exit_code) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw host::Error("tune: cannot run " + command);
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class SlurmExecutor : public Executor {
 public:
  explicit SlurmExecutor(SlurmOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "slurm"; }

  void run(const std::vector<TrialJob>& jobs) override {
    std::map<std::string, const TrialJob*> queued;  // Slurm job id -> job
    std::map<const TrialJob*, int> attempts;
    for (const TrialJob& job : jobs) {
      queued[submit(job)] = &job;
      attempts[&job] = 1;
    }
    while (!queued.empty()) {
      std::this_thread::sleep_for(std::chrono::duration<double>(options_.poll_seconds));
      const std::set<std::string> listed = in_queue(queued);
      for (auto it = queued.begin(); it != queued.end();) {
        if (listed.count(it->first)) {
          ++it;
          continue;
        }
        const TrialJob* job = it->second;
        it = queued.erase(it);
        const std::optional<int> status = job_status(*job);
        if (status == 0) continue;
        if (attempts[job] > options_.retries) {
          std::cerr << "tune: " << job->name << " failed " << attempts[job]
                    << " times on Slurm; see " << job->log.string() << std::endl;
          continue;
        }
        std::cerr << "tune: " << job->name
                  << (status ? " failed" : " ended without finishing (pre-empted or lost)")
                  << "; submitting it again" << std::endl;
        ++attempts[job];
        queued[submit(*job)] = job;
      }
    }
  }

 private:
  std::string submit(const TrialJob& job) const {
    std::filesystem::remove(job.status_file);
    const std::string command =
        "sbatch --parsable --job-name=" + deploy::shell_quote("tf-" + job.name) +
        " --cpus-per-task=" + std::to_string(options_.cpus_per_task) +
        " --output=" + deploy::shell_quote(job.log.string()) + " --open-mode=append " +
        options_.extra_args + " " + deploy::shell_quote(job.script.string()) + " 2>&1";
    int exit_code = 0;
    std::string out = command_output(command, &exit_code);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    const std::string id = out.substr(0, out.find(';'));  // "id;cluster" on multi-cluster setups
    if (exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      throw host::Error("tune: sbatch refused " + job.script.string() + ": " + out);
    }
    return id;
  }

  // The ids squeue still lists among this user's jobs (pending, running, completing, requeued);
  // asking by id would fail once Slurm has forgotten a finished job. A failing squeue (the
  // controller briefly unreachable) counts as "all still queued", so no job is judged on it.
  std::set<std::string> in_queue(const std::map<std::string, const TrialJob*>& queued) const {
    int exit_code = 0;
    const std::string out = command_output("squeue -h -o %i --me 2>/dev/null", &exit_code);
    std::set<std::string> listed;
    if (exit_code != 0) {
      for (const auto& [id, job] : queued) listed.insert(id);
      return listed;
    }
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      line.erase(0, line.find_first_not_of(' '));
      line.erase(line.find_last_not_of(' ') + 1);
      if (!line.empty()) listed.insert(line);
    }
    return listed;
  }

  SlurmOptions options_;
};

}  // namespace

std::unique_ptr<Executor> make_slurm_executor(const SlurmOptions& options) {
  return std::make_unique<SlurmExecutor>(options);
}

}  // namespace tinyforge::tune
