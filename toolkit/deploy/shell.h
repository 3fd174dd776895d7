// What the deploy driver needs to run build tools: shell words, commands, their logs, and a lock
// that serializes builds of one directory across processes.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_SHELL_H_
#define TINYFORGE_TOOLKIT_DEPLOY_SHELL_H_

#include <filesystem>
#include <string>

namespace tinyforge::deploy {

// `s` as one single-quoted shell word.
std::string shell_quote(const std::string& s);
// Runs a command line with /bin/sh; its exit status, or -1 if it did not exit normally.
int shell(const std::string& command);
// Runs a command line with its output appended to `log`. With `progress`, ninja's "[n/N]" steps
// are reported on stderr as "<what> n/N" (in place on a terminal, at every tenth otherwise), so a
// long build is not silent. Returns the exit status.
int shell_logged(const std::string& command, const std::filesystem::path& log,
                 const std::string& what, bool progress);
// A whole file as text ("" if it cannot be read).
std::string read_text(const std::filesystem::path& path);

// An exclusive advisory lock on a file (created if needed), held while the object lives.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_SHELL_H_
