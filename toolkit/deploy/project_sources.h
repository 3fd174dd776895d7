// The part of the tinyforge checkout a generated firmware project builds from (the runtime, the
// firmware's startup, HAL, application layer, boards and CMake helpers, the TFLite schema), copied
// into the project so it builds after the checkout moves or on another machine (issue 12).
#ifndef TINYFORGE_TOOLKIT_DEPLOY_PROJECT_SOURCES_H_
#define TINYFORGE_TOOLKIT_DEPLOY_PROJECT_SOURCES_H_

#include <filesystem>
#include <set>
#include <string>

#include "tinyforge/model.h"

namespace tinyforge::deploy {

// The directory inside a project that holds the copy.
inline constexpr const char* kProjectSourcesDir = "tinyforge";

// Copies the sources into `project`/tinyforge. Kernel files that register only operators outside
// `ops` are left out (empty `ops`: all). Unchanged files are not rewritten, so a rebuild compiles
// only what changed; files the copy no longer holds are removed. Returns the files copied.
size_t copy_project_sources(const std::filesystem::path& project, const std::set<std::string>& ops);

// Adds the operators `model` uses to `ops`, and the dtypes besides int8/int32 its kernels must
// compute ("float32", "int16", the names of TINYFORGE_DTYPES) to `dtypes`.
void collect_kernels(const Model& model, std::set<std::string>* ops, std::set<std::string>* dtypes);

// Whether the runtime file `relative` (to the checkout; `source` is its path) belongs in a build
// for `ops`: a kernel source (runtime/src/kernels/<set>/*.cc) is left out when every operator it
// registers (`extern const KernelRegistration k...Kernel_<OP> =`, as the runtime's CMake reads
// them) is outside `ops`. Every other file, and every file when `ops` is empty, is needed.
bool runtime_file_needed(const std::filesystem::path& relative, const std::filesystem::path& source,
                         const std::set<std::string>& ops);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_PROJECT_SOURCES_H_
