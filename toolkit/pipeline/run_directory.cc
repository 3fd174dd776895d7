#include "toolkit/pipeline/run_directory.h"

#include <system_error>

#include "toolkit/host/error.h"

namespace tinyforge::pipeline {
namespace {

namespace fs = std::filesystem;

// What train (and QAT) write into a run directory.
constexpr const char* kRunFiles[] = {"model.tfm", "log.csv", "model_float.tflite",
                                     "model_int8.tflite", "model_ptq_int8.tflite"};

}  // namespace

RunDirectory::RunDirectory(fs::path dir, RunStart start) : dir_(std::move(dir)), start_(start) {
  const bool has_model = fs::exists(dir_ / "model.tfm");
  if (start_ == RunStart::kResume && !has_model) {
    throw host::Error((dir_ / "model.tfm").string() +
                      ": no checkpoint to resume from (train without --resume to start)");
  }
  if (start_ == RunStart::kFresh && (has_model || fs::exists(dir_ / "log.csv"))) {
    throw host::Error(dir_.string() +
                      ": holds a previous run (model.tfm, log.csv); --resume continues it, "
                      "--overwrite replaces it, or train into another --out");
  }
}

RunDirectory::~RunDirectory() {
  std::error_code ignored;
  for (const fs::path& d : created_) {
    if (!fs::is_empty(d, ignored)) break;
    fs::remove(d, ignored);
  }
}

void RunDirectory::create() {
  if (start_ == RunStart::kOverwrite) {
    for (const char* name : kRunFiles) fs::remove(dir_ / name);
  }
  std::vector<fs::path> missing;
  fs::path start = fs::absolute(dir_).lexically_normal();
  if (start.filename().empty()) start = start.parent_path();  // "out/"
  for (fs::path d = start; !d.empty() && !fs::exists(d); d = d.parent_path()) {
    missing.push_back(d);
    if (d == d.parent_path()) break;
  }
  fs::create_directories(dir_);
  created_.insert(created_.end(), missing.begin(), missing.end());
}

}  // namespace tinyforge::pipeline
