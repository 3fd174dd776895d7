#include "toolkit/deploy/project_sources.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::deploy {
namespace fs = std::filesystem;

namespace {

// Relative to the checkout: whole directories, and single files.
const std::vector<std::string> kDirectories = {"runtime",         "schema",       "firmware/cmake",
                                               "firmware/boards", "firmware/hal", "firmware/app"};
const std::vector<std::string> kFiles = {"cmake/arm-none-eabi.cmake",
                                         "cmake/schema.cmake",
                                         "firmware/startup.c",
                                         "firmware/link.ld.in",
                                         "firmware/apps/model_app.cc",
                                         "firmware/apps/detect_app.cc",
                                         "firmware/apps/aot_model_app.cc",
                                         "firmware/apps/aot_runner.cc",
                                         "firmware/apps/job_file.h"};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void copy_if_changed(const fs::path& from, const fs::path& to) {
  const std::string text = read_text(from);
  if (fs::exists(to) && fs::file_size(to) == text.size() && read_text(to) == text) return;
  fs::create_directories(to.parent_path());
  host::write_file(to, text.data(), text.size());
}

}  // namespace

bool runtime_file_needed(const fs::path& relative, const fs::path& source,
                         const std::set<std::string>& ops) {
  const std::string parent = relative.parent_path().parent_path().generic_string();
  if (ops.empty() || relative.extension() != ".cc" || parent != "runtime/src/kernels") return true;
  static const std::regex registration(
      "(^|\n)extern const KernelRegistration k[A-Za-z]*Kernel_([A-Za-z0-9_]+) =");
  const std::string text = read_text(source);
  bool registers = false;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), registration);
       it != std::sregex_iterator(); ++it) {
    registers = true;
    if (ops.count((*it)[2].str()) > 0) return true;
  }
  // Files that register nothing are helpers and always kept.
  return !registers;
}

void collect_kernels(const Model& model, std::set<std::string>* ops,
                     std::set<std::string>* dtypes) {
  for (int i = 0; i < model.num_operators(); ++i) ops->insert(op_name(model.op_code(i)));
  for (int t = 0; t < model.num_tensors(); ++t) {
    const DataType type = model.tensor(t).type;
    if (type == DataType::kFloat32) dtypes->insert("float32");
    if (type == DataType::kInt16) dtypes->insert("int16");
  }
}

size_t copy_project_sources(const fs::path& project, const std::set<std::string>& ops) {
  const fs::path root = source_root();
  const fs::path target = project / kProjectSourcesDir;
  std::set<fs::path> copied;
  auto copy = [&](const fs::path& relative) {
    const fs::path source = root / relative;
    if (!runtime_file_needed(relative, source, ops)) return;
    copy_if_changed(source, target / relative);
    copied.insert(target / relative);
  };
  for (const auto& dir : kDirectories) {
    if (!fs::is_directory(root / dir)) throw host::Error(root.string() + ": no " + dir + "/");
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (entry.is_regular_file()) copy(fs::relative(entry.path(), root));
    }
  }
  for (const auto& file : kFiles) copy(file);
  std::vector<fs::path> stale;
  for (const auto& entry : fs::recursive_directory_iterator(target)) {
    if (entry.is_regular_file() && copied.count(entry.path()) == 0) stale.push_back(entry.path());
  }
  for (const auto& path : stale) fs::remove(path);
  return copied.size();
}

}  // namespace tinyforge::deploy
