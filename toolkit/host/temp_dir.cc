#include "toolkit/host/temp_dir.h"

#include <unistd.h>

#include <random>

#include "toolkit/host/error.h"

namespace tinyforge::host {

TempDir::TempDir(const std::string& prefix) {
  std::random_device rd;
  const std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    path_ = base / (prefix + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) return;
  }
  throw Error("cannot create a temporary directory in " + base.string());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace tinyforge::host
