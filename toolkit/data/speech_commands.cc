#include "toolkit/data/speech_commands.h"

#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace fs = std::filesystem;

std::string speaker_of(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const size_t at = name.find("_nohash_");
  return at == std::string::npos || at == 0 ? std::string() : name.substr(0, at);
}

std::string background_noise_folder(const std::string& root) {
  std::error_code ec;
  const fs::path folder = fs::path(root) / kBackgroundNoiseFolder;
  return fs::is_directory(folder, ec) ? folder.string() : std::string();
}

namespace {

// The clip paths a list names, relative to ROOT with '/' separators (blank lines ignored).
std::vector<std::string> read_list(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw host::Error(file.string() + ": cannot read the list");
  std::vector<std::string> paths;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) paths.push_back(fs::path(line).lexically_normal().generic_string());
  }
  return paths;
}

}  // namespace

std::optional<ListedSplit> listed_split(const Dataset& dataset, const std::string& root) {
  const fs::path test_list = fs::path(root) / "testing_list.txt";
  const fs::path validation_list = fs::path(root) / "validation_list.txt";
  std::error_code ec;
  ListedSplit out;
  out.has_test_list = fs::is_regular_file(test_list, ec);
  out.has_validation_list = fs::is_regular_file(validation_list, ec);
  if (!out.has_test_list && !out.has_validation_list) return std::nullopt;

  // 1 = validation, 2 = test; a clip in both lists goes to test (Speech Commands has none).
  std::unordered_map<std::string, int> listed;
  std::vector<std::pair<fs::path, int>> lists;
  if (out.has_validation_list) lists.emplace_back(validation_list, 1);
  if (out.has_test_list) lists.emplace_back(test_list, 2);
  for (const auto& [file, where] : lists) {
    for (const std::string& p : read_list(file)) listed[p] = where;
  }
  size_t found = 0;
  const fs::path base = fs::path(root).lexically_normal();
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const std::string rel =
        fs::path(dataset.source(i)).lexically_normal().lexically_relative(base).generic_string();
    const auto it = listed.find(rel);
    if (it == listed.end()) {
      out.unlisted.push_back(i);
    } else {
      ++found;
      (it->second == 2 ? out.test : out.validation).push_back(i);
    }
  }
  if (found < listed.size()) {
    out.warnings.push_back(std::to_string(listed.size() - found) + " of the " +
                           std::to_string(listed.size()) +
                           " clips named in testing_list.txt/validation_list.txt of " + root +
                           " are not in the dataset (missing, or skipped as bad)");
  }
  return out;
}

}  // namespace tinyforge::data
