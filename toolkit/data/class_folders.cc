#include "toolkit/data/class_folders.h"

#include <algorithm>
#include <cctype>

#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace fs = std::filesystem;

static std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

std::vector<fs::path> visible_subfolders(const std::string& root,
                                         const std::vector<std::string>& not_classes) {
  std::vector<fs::path> folders;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return folders;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !is_hidden(entry.path()) &&
        std::find(not_classes.begin(), not_classes.end(), name) == not_classes.end()) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

ClassFolders list_class_folders(const std::string& root, const std::vector<std::string>& extensions,
                                bool skip_bad, std::vector<std::string>& skipped,
                                const std::vector<std::string>& not_classes) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw host::Error(root + ": not a directory (expected one subfolder per class)");
  }
  ClassFolders out;
  for (const fs::path& folder : visible_subfolders(root, not_classes)) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (!entry.is_regular_file() || is_hidden(entry.path())) continue;
      std::string ext = lower(entry.path().extension().string());
      if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
        files.push_back(entry.path().string());
      }
    }
    if (files.empty()) {
      std::string accepted;
      for (const auto& e : extensions) accepted += (accepted.empty() ? "" : " ") + e;
      std::string message =
          folder.string() + ": class folder is empty (expected files " + accepted + ")";
      if (!skip_bad) throw host::Error(message + " (skip_bad: true skips it)");
      skipped.push_back(message);
      continue;
    }
    std::sort(files.begin(), files.end());
    out.class_names.push_back(folder.filename().string());
    out.files.push_back(std::move(files));
  }
  if (out.class_names.empty()) {
    throw host::Error(root + ": no class subfolders with data found");
  }
  return out;
}

}  // namespace tinyforge::data
