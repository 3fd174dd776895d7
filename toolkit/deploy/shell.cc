#include "toolkit/deploy/shell.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "toolkit/host/error.h"

namespace tinyforge::deploy {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

namespace {

int exit_status(int status) {
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

int shell(const std::string& command) { return exit_status(std::system(command.c_str())); }

int shell_logged(const std::string& command, const fs::path& log, const std::string& what,
                 bool progress) {
  std::ofstream out(log, std::ios::app);
  FILE* pipe = popen(("(" + command + ") 2>&1").c_str(), "r");
  if (pipe == nullptr) throw host::Error("cannot run: " + command);
  const bool terminal = progress && ::isatty(STDERR_FILENO) != 0;
  const std::regex step("^\\[([0-9]+)/([0-9]+)\\]");
  int reported_tenth = -1;
  bool in_place = false;
  char buffer[4096];
  std::string line;
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    out << buffer;
    line += buffer;
    if (line.empty() || line.back() != '\n') continue;
    std::smatch m;
    if (progress && std::regex_search(line, m, step)) {
      const int done = std::stoi(m[1].str()), total = std::max(1, std::stoi(m[2].str()));
      if (terminal) {
        std::cerr << "\r" << what << " " << done << "/" << total << std::flush;
        in_place = true;
      } else if (done > 0 && done * 10 / total > reported_tenth) {
        // done > 0: ninja's "[0/2] Re-checking globbed directories" of an up-to-date build is
        // not progress worth a line in a log.
        reported_tenth = done * 10 / total;
        std::cerr << what << " " << done << "/" << total << std::endl;
      }
    }
    line.clear();
  }
  if (in_place) std::cerr << std::endl;
  return exit_status(pclose(pipe));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

FileLock::FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
  if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw host::Error(path.string() + ": cannot lock");
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace tinyforge::deploy
