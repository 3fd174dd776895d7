// The local executor: trial scripts as child processes, at most `parallel` at a time.
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <map>

#include "toolkit/deploy/shell.h"
#include "toolkit/host/error.h"
#include "toolkit/tune/executor.h"

namespace tinyforge::tune {

std::optional<int> job_status(const TrialJob& job) {
  if (!std::filesystem::exists(job.status_file)) return std::nullopt;
  const std::string text = deploy::read_text(job.status_file);
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

namespace {

class LocalExecutor : public Executor {
 public:
  explicit LocalExecutor(int parallel) : parallel_(std::max(1, parallel)) {}
  std::string name() const override { return "local"; }

  void run(const std::vector<TrialJob>& jobs) override {
    std::map<pid_t, const TrialJob*> running;
    size_t next = 0;
    while (next < jobs.size() || !running.empty()) {
      while (next < jobs.size() && static_cast<int>(running.size()) < parallel_) {
        const TrialJob& job = jobs[next++];
        running[start(job)] = &job;
      }
      int status = 0;
      const pid_t pid = waitpid(-1, &status, 0);
      if (pid < 0) throw host::Error("tune: waiting for a trial failed");
      running.erase(pid);
    }
  }

 private:
  static pid_t start(const TrialJob& job) {
    const pid_t pid = fork();
    if (pid < 0) throw host::Error("tune: cannot start trial " + job.name);
    if (pid == 0) {
      const int fd = open(job.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
      execl("/bin/bash", "bash", job.script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }

  int parallel_;
};

}  // namespace

std::unique_ptr<Executor> make_local_executor(int parallel) {
  return std::make_unique<LocalExecutor>(parallel);
}

}  // namespace tinyforge::tune
