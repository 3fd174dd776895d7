// A fresh directory under the system's temporary directory, removed with everything in it when
// the object goes (also on an exception), so failed runs leave nothing behind.
#ifndef TINYFORGE_TOOLKIT_HOST_TEMP_DIR_H_
#define TINYFORGE_TOOLKIT_HOST_TEMP_DIR_H_

#include <filesystem>
#include <string>

namespace tinyforge::host {

class TempDir {
 public:
  // `prefix` starts the directory's name (the process id and a random number follow).
  explicit TempDir(const std::string& prefix = "tinyforge-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_HOST_TEMP_DIR_H_
