// `tinyforge deploy`: a self-contained firmware project (CMake) holding a copy of the runtime with
// only the kernels its models use, the models as C arrays in flash and static arenas; built, and
// its flash and RAM measured against the board's budget. Without an application it runs one
// inference (firmware/apps/model_app.cc); with one (--app) it is a stream product
// (firmware/app/: sensor, feature model, classifier, postprocessing, actuator).
#ifndef TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_
#define TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "toolkit/deploy/app_config.h"

namespace tinyforge::deploy {

struct DeployOptions {
  std::optional<AppOptions> app;  // a stream application; none: one inference on zeroed inputs
  // --app detect: a detector's app (firmware/apps/detect_app.cc) that runs frames and prints the
  // objects of each; `detect_threshold` is the Q16 probability an object needs. A box detector's
  // (its metadata's "detector": "box") decodes boxes and suppresses those overlapping a better
  // one by more than `detect_iou` (Q16).
  bool detect_app = false;
  int32_t detect_threshold = 32768;
  int32_t detect_iou = 32768;
  int detect_box_classes = 0;  // set by deploy_model from the model: classes with the background
  // --aot: the model compiled ahead of time (toolkit/export/aot_code.h) instead of the
  // interpreter; `aot_runner` links the job-file runner (firmware/apps/aot_runner.cc, for `run
  // --board --aot`) instead of the one-inference application.
  bool aot = false;
  bool aot_runner = false;
  bool progress = true;      // report the build's steps on stderr
  bool incremental = false;  // reuse DIR/build (unchanged files are not rewritten)
  bool patches = true;       // PlanOptions::patches (false: the image is built TINYFORGE_PATCHES=0)
};

struct DeployReport {
  std::string board;
  std::filesystem::path elf;
  std::vector<std::string> ops;    // the kernels linked in
  uint64_t flash_code_bytes = 0;   // .text + .ARM.exidx + .data initializers
  uint64_t flash_model_bytes = 0;  // the models' C arrays
  uint64_t ram_arena_bytes = 0;    // the arenas (classifier and feature model)
  uint64_t ram_static_bytes = 0;   // .data + .bss without the arenas
  uint64_t ram_stack_bytes = 0;
  uint64_t flash_budget_bytes = 0;
  uint64_t ram_budget_bytes = 0;
  bool fits = false;
  std::optional<AppConfig> app;  // the resolved settings of a stream application
};

// Writes DIR/{CMakeLists.txt, model_data.{h,cc}, [features_data.{h,cc}, app_config.cc]} and the
// sources it builds from (DIR/tinyforge/), builds DIR/build/tinyforge_app.elf. A model that does
// not fit throws Error naming the region, its budget and the overflow.
DeployReport deploy_model(const std::filesystem::path& model, const std::string& board,
                          const std::filesystem::path& dir,
                          const DeployOptions& options = DeployOptions());

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_
