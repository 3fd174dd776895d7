// The output directory of a training run (`tinyforge train --out DIR`): a previous run in it is
// never replaced by accident (--overwrite replaces it, --resume continues it), and a run that
// fails before its first checkpoint leaves no directory behind.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_RUN_DIRECTORY_H_
#define TINYFORGE_TOOLKIT_PIPELINE_RUN_DIRECTORY_H_

#include <filesystem>
#include <vector>

namespace tinyforge::pipeline {

enum class RunStart {
  kFresh,      // the directory must not hold a previous run
  kResume,     // continue the run whose model.tfm the directory holds
  kOverwrite,  // replace a previous run, if any
};

class RunDirectory {
 public:
  // Checks, without touching the disk: a fresh run into a directory holding a previous run
  // (model.tfm or log.csv) and a resume without model.tfm throw host::Error saying what to do.
  RunDirectory(std::filesystem::path dir, RunStart start);
  // Removes the directories create() made while they are still empty (a failed start).
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // Creates the directory (and missing parents) just before the run writes into it; with
  // kOverwrite, first removes the previous run's files.
  void create();
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  RunStart start_;
  std::vector<std::filesystem::path> created_;  // innermost first
};

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_RUN_DIRECTORY_H_
