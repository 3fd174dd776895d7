// The arena figures every command reports, each named for what it is (docs/runtime.md, "Arena
// figures"): the host interpreter's (this 64-bit machine, the kernels run/eval/convert use) and a
// 32-bit device's running a board's kernels (what deploy reserves and inspect --board, run --board
// and eval --board report, the same number for the same board).
#ifndef TINYFORGE_TOOLKIT_INSPECT_ARENA_FIGURES_H_
#define TINYFORGE_TOOLKIT_INSPECT_ARENA_FIGURES_H_

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "tinyforge/kernel_set.h"
#include "tinyforge/model.h"

namespace tinyforge::host {

// "reference", "arm_dsp", "arm_mve" (the names of firmware/boards/*.cmake's BOARD_KERNELS).
const char* kernel_set_name(KernelSet kernels);

struct DeviceArena {
  std::string board;  // "" when planned for the reference kernels, no board named
  KernelSet kernels = KernelSet::kReference;
  size_t bytes = 0;
  // The device plan's patch stage (docs/runtime.md, "Patch-based execution"; 0 ops: none).
  int patch_ops = 0;
  int patch_tiles = 0;
  uint64_t patch_moved_bytes = 0;
};

// The device figure for `kernels` (deploy::board_info(board).kernels for a board, which `board`
// then names). The model must be runnable.
DeviceArena device_arena(const Model& model, KernelSet kernels, const std::string& board = "");

// Keys device_arena_bytes, device_kernels, device_patch_ops, device_patch_tiles,
// device_patch_moved_bytes and, with a board, board.
void add_device_arena_json(nlohmann::json& j, const DeviceArena& arena);
// "32-bit device with mps2-an386's kernels (arm_dsp)" / "32-bit device with the reference kernels".
std::string device_arena_label(const DeviceArena& arena);
// The same from a result's board ("" for none) and device_kernels keys.
std::string device_arena_label(const std::string& board, const std::string& kernels);
// "host interpreter (64-bit, arm_dsp kernels)".
std::string host_arena_label();

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_INSPECT_ARENA_FIGURES_H_
