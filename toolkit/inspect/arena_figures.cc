#include "toolkit/inspect/arena_figures.h"

#include "toolkit/host/model_file.h"

namespace tinyforge::host {

const char* kernel_set_name(KernelSet kernels) {
  switch (kernels) {
    case KernelSet::kArmDsp:
      return "arm_dsp";
    case KernelSet::kArmMve:
      return "arm_mve";
    case KernelSet::kReference:
    case KernelSet::kThisBuild:
      break;
  }
  return "reference";
}

DeviceArena device_arena(const Model& model, KernelSet kernels, const std::string& board) {
  DeviceArena arena;
  arena.board = board;
  arena.kernels = kernels;
  const ArenaUsage usage = plan_device_arena(model, arena.kernels);
  arena.bytes = usage.total_bytes;
  arena.patch_ops = usage.patch_ops;
  arena.patch_tiles = usage.patch_tiles;
  arena.patch_moved_bytes = usage.patch_moved_bytes;
  return arena;
}

void add_device_arena_json(nlohmann::json& j, const DeviceArena& arena) {
  j["device_arena_bytes"] = arena.bytes;
  j["device_kernels"] = kernel_set_name(arena.kernels);
  j["device_patch_ops"] = arena.patch_ops;
  j["device_patch_tiles"] = arena.patch_tiles;
  j["device_patch_moved_bytes"] = arena.patch_moved_bytes;
  if (!arena.board.empty()) j["board"] = arena.board;
}

std::string device_arena_label(const DeviceArena& arena) {
  return device_arena_label(arena.board, kernel_set_name(arena.kernels));
}

std::string device_arena_label(const std::string& board, const std::string& kernels) {
  if (board.empty()) return "32-bit device with the " + kernels + " kernels";
  return "32-bit device with " + board + "'s kernels (" + kernels + ")";
}

std::string host_arena_label() {
  return std::string("host interpreter (64-bit, ") + kernel_set_name(kHostKernels) + " kernels)";
}

}  // namespace tinyforge::host
