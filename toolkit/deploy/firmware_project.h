// `tinyforge deploy`: a per-model firmware project (CMake) holding the runtime with only the
// kernels the model uses, the model as a C array in flash and a static arena; built, and its
// flash and RAM measured against the board's budget.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_
#define TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::deploy {

struct DeployReport {
  std::string board;
  std::filesystem::path elf;
  std::vector<std::string> ops;    // the kernels linked in
  uint64_t flash_code_bytes = 0;   // .text + .ARM.exidx + .data initializers
  uint64_t flash_model_bytes = 0;  // the model's C array
  uint64_t ram_arena_bytes = 0;
  uint64_t ram_static_bytes = 0;  // .data + .bss without the arena
  uint64_t ram_stack_bytes = 0;
  uint64_t flash_budget_bytes = 0;
  uint64_t ram_budget_bytes = 0;
  bool fits = false;
};

// Writes DIR/{CMakeLists.txt, model_data.h, model_data.cc}, builds DIR/build/tinyforge_app.elf.
// A model that does not fit throws Error naming the region, its budget and the overflow.
DeployReport deploy_model(const std::filesystem::path& model, const std::string& board,
                          const std::filesystem::path& dir);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_FIRMWARE_PROJECT_H_
