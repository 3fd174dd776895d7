// Runs models on emulated Cortex-M boards: builds tinyforge's firmware for a board (once, cached
// in a build directory), starts qemu-system-arm with semihosting and the instruction-counting
// plugin, and reads back outputs, arena bytes and instructions per inference.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_QEMU_RUNNER_H_
#define TINYFORGE_TOOLKIT_DEPLOY_QEMU_RUNNER_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tinyforge/kernel_set.h"

namespace tinyforge::deploy {

// A board of firmware/boards/NAME.cmake (the one place its memory budget is written).
struct BoardInfo {
  std::string name;
  std::string qemu_machine;
  std::filesystem::path file;
  KernelSet kernels = KernelSet::kReference;  // BOARD_KERNELS: what its firmware runs
  double clock_mhz = 0;                       // BOARD_CLOCK_MHZ: the core clock
};
std::vector<std::string> known_boards();
// Throws Error listing the known boards if `name` is not one.
BoardInfo board_info(const std::string& name);

std::filesystem::path source_root();  // the tinyforge checkout (firmware/, runtime/, ...)
// Where firmware builds are cached: $TINYFORGE_FIRMWARE_CACHE, else <build dir>/firmware.
std::filesystem::path firmware_cache_dir();

// Configures and builds a firmware CMake project (firmware/) into `build_dir` with extra -D
// options; serialized by a lock file so parallel callers share one build. Throws Error with the
// build's log tail on failure.
void build_firmware(const std::filesystem::path& build_dir, const std::string& board,
                    const std::vector<std::string>& cmake_options = {});
// Builds the board's generic runner (cached) and returns its build directory.
std::filesystem::path build_board_firmware(const std::string& board);

// Defined symbols of an ELF (arm-none-eabi-nm), name -> address.
std::map<std::string, uint64_t> elf_symbols(const std::filesystem::path& elf);

struct QemuResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string console;                 // semihosting console output
  std::vector<uint64_t> instructions;  // one per hal_insn_begin..hal_insn_end window
};
// Runs `elf` on the board's QEMU machine with `semihosting_arg` as the guest's command line.
QemuResult run_qemu(const BoardInfo& board, const std::filesystem::path& elf,
                    const std::string& semihosting_arg, int timeout_seconds);

struct BoardRun {
  std::string board;
  size_t arena_bytes = 0;     // the arena the runtime used on the device (32-bit)
  uint64_t instructions = 0;  // executed in the first sample's Interpreter::invoke()
  std::vector<uint64_t> instructions_per_sample;
  // With `profile`: the first sample's instructions per operator, in execution order (then
  // `instructions` is their sum, without the interpreter's few between operators), and the
  // operators' indices in that order.
  std::vector<uint64_t> instructions_per_op;
  std::vector<int> op_order;
  std::vector<std::vector<uint8_t>> outputs;  // per model output, every sample back to back
};
// Runs `model` on the board's generic runner, in one QEMU launch, on `samples` inputs: each of
// `inputs` (raw tensor files, one per model input) holds that many tensors back to back.
// Throws Error with a clear message: unknown board, model or arena too large for the board, the
// firmware's own error, a timeout. `profile`: count instructions per operator. `stream`: the
// samples are consecutive windows of one stream, so stateful operators (the audio frontend's noise
// estimates, SVDF) keep their state from one to the next instead of starting afresh. `patches`:
// PlanOptions::patches on the device.
BoardRun run_model_on_board(const std::string& board, const std::filesystem::path& model,
                            const std::vector<std::filesystem::path>& inputs,
                            int timeout_seconds = 600, uint32_t samples = 1, bool profile = false,
                            bool stream = false, bool patches = true);

// As run_model_on_board, for the model compiled ahead of time (`run --board --aot`): a firmware of
// its own (deploy --aot with firmware/apps/aot_runner.cc), built once per model and board under
// firmware_cache_dir()/aot and rebuilt incrementally. Models AOT cannot compile throw Error.
BoardRun run_aot_model_on_board(const std::string& board, const std::filesystem::path& model,
                                const std::vector<std::filesystem::path>& inputs,
                                int timeout_seconds = 600, uint32_t samples = 1);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_QEMU_RUNNER_H_
