#include "tests/support/example_data.h"

#include <sndfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

namespace tinyforge::testing {

namespace fs = std::filesystem;

ScriptResult run_example_script(const std::string& script, const std::string& args) {
  const std::string command = std::string(TINYFORGE_PYTHON) + " " +
                              (fs::path(TINYFORGE_SOURCE_DIR) / "examples" / script).string() +
                              " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  if (pipe == nullptr) return {-1, "popen failed: " + command};
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, command + "\n" + out};
}

fs::path generated_once(const std::string& script, const std::string& args) {
  std::ifstream in(fs::path(TINYFORGE_SOURCE_DIR) / "examples" / script, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const size_t key = std::hash<std::string>{}(text + '\0' + args);
  const fs::path dir = fs::temp_directory_path() / ("tinyforge_generated_" + std::to_string(key));
  if (fs::exists(dir)) return dir;
  const fs::path draft = dir.string() + ".draft" + std::to_string(getpid());
  fs::remove_all(draft);
  const ScriptResult made = run_example_script(script, "--out " + draft.string() + " " + args);
  if (made.exit_code != 0) {
    ADD_FAILURE() << made.output;
    return {};
  }
  std::error_code error;
  fs::rename(draft, dir, error);  // another test may have put it there first: then use that
  fs::remove_all(draft);
  return dir;
}

std::string missing_tool(const std::vector<std::string>& tools) {
  if (access(TINYFORGE_PYTHON, X_OK) != 0) return TINYFORGE_PYTHON;
  for (const std::string& tool : tools) {
    if (std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) != 0) return tool;
  }
  return "";
}

TempDir::TempDir(const std::string& name)
    : path_(fs::temp_directory_path() /
            ("tinyforge_" + name + "_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[fs::relative(entry.path(), root).generic_string()] = bytes.str();
  }
  return files;
}

Wav read_wav(const fs::path& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  Wav wav;
  if (file == nullptr) {
    ADD_FAILURE() << path << ": " << sf_strerror(nullptr);
    return wav;
  }
  wav.sample_rate = info.samplerate;
  wav.channels = info.channels;
  wav.pcm16 = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV &&
              (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
  wav.samples.resize(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  const sf_count_t read = sf_readf_short(file, wav.samples.data(), info.frames);
  sf_close(file);
  EXPECT_EQ(read, info.frames) << path;
  return wav;
}

std::vector<double> window_energy_db(const std::vector<int16_t>& samples, size_t begin, size_t end,
                                     size_t window) {
  std::vector<double> energies;
  for (size_t start = begin; start + window <= end && start + window <= samples.size();
       start += window) {
    double sum = 0;
    for (size_t i = start; i < start + window; ++i) sum += double(samples[i]) * samples[i];
    energies.push_back(10 * std::log10(sum / window / (32768.0 * 32768.0) + 1e-12));
  }
  return energies;
}

namespace {
std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}
}  // namespace

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Csv read_csv(const fs::path& path) {
  Csv csv;
  const std::vector<std::string> lines = read_lines(path);
  if (lines.empty()) return csv;
  csv.header = split(lines[0], ',');
  for (size_t i = 1; i < lines.size(); ++i) csv.rows.push_back(split(lines[i], ','));
  return csv;
}

}  // namespace tinyforge::testing
