// Exact figures of a .tflite on a board, before and after training (weights do not change them):
// the planner's device arena, MACs and parameters from the model itself; flash as `deploy`
// measures it (the code of the model's kernels is built once per set of kernels and remembered,
// plus the model's bytes); instructions per inference from one QEMU run.
#ifndef TINYFORGE_TOOLKIT_TUNE_DEVICE_FIGURES_H_
#define TINYFORGE_TOOLKIT_TUNE_DEVICE_FIGURES_H_

#include <filesystem>
#include <string>

#include "toolkit/tune/budget.h"

namespace tinyforge::tune {

class DeviceFigures {
 public:
  // `cache_dir` keeps the deployed firmware per kernel set and the flash each took.
  DeviceFigures(std::string board, std::filesystem::path cache_dir);
  const std::string& board() const { return board_; }

  // Arena, flash, model bytes, MACs and parameters; with `run_on_board` also the instructions of
  // one inference on zeroed inputs under QEMU.
  Figures measure(const std::filesystem::path& tflite, bool run_on_board);

 private:
  // deploy's flash minus the model's bytes: the code for this set of kernels.
  uint64_t code_bytes(const std::filesystem::path& tflite, const std::string& kernel_set);

  std::string board_;
  std::filesystem::path cache_dir_;
};

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_DEVICE_FIGURES_H_
