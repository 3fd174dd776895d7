// A .tflite file read into aligned host memory, verified by the runtime, with an interpreter whose
// arena the planner sized.
#ifndef TINYFORGE_TOOLKIT_HOST_MODEL_FILE_H_
#define TINYFORGE_TOOLKIT_HOST_MODEL_FILE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

namespace tinyforge::host {

// Memory aligned to 16 bytes, as the runtime recommends for models and arenas.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(size_t size);
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

std::vector<uint8_t> read_file(const std::filesystem::path& path);
// Writes through a temporary file and a rename, so a failure never leaves half a file.
void write_file(const std::filesystem::path& path, const void* data, size_t size);

class ModelFile {
 public:
  // Reads and verifies; throws Error naming the file and the runtime's reason. With
  // `allow_unrunnable`, a well-formed model the runtime cannot run (an unsupported operator, say)
  // is still loaded for description, and unrunnable_reason() says why it cannot run.
  explicit ModelFile(const std::filesystem::path& path, bool allow_unrunnable = false);
  // Verifies bytes already in memory; `label` names them in errors.
  ModelFile(const void* data, size_t size, std::string label, bool allow_unrunnable = false);

  const Model& model() const { return model_; }
  const std::string& label() const { return label_; }
  const AlignedBytes& bytes() const { return bytes_; }
  const std::string& unrunnable_reason() const { return unrunnable_reason_; }

 private:
  void load(bool allow_unrunnable = false);
  AlignedBytes bytes_;
  Model model_;
  std::string label_;
  std::string unrunnable_reason_;
};

// The kernels the toolkit runs models with on this machine: the DSP kernels' portable form, which
// gives the reference kernels' bytes about three times faster on x86 (bench/RESULTS.md).
constexpr KernelSet kHostKernels = KernelSet::kArmDsp;
inline PlanOptions host_plan_options(bool patches = true) {
  PlanOptions options;
  options.kernels = kHostKernels;
  options.patches = patches;
  return options;
}

// The arena figures of a model (computed with host memory for the planner); by default for this
// build's kernels (the reference kernels on the host; HostInterpreter plans with
// host_plan_options()).
ArenaUsage plan_arena(const Model& model, const PlanOptions& options = PlanOptions());
// The arena figures on a 32-bit target (the Cortex-M boards) running `kernels`, with or without
// patch-based execution (PlanOptions::patches).
ArenaUsage plan_device_arena(const Model& model, KernelSet kernels = KernelSet::kReference,
                             bool patches = true);

// An interpreter with an arena of exactly the planned size, running kHostKernels.
class HostInterpreter {
 public:
  // `patches`: PlanOptions::patches.
  explicit HostInterpreter(const ModelFile& file, bool patches = true);
  Interpreter& get() { return interpreter_; }
  const Interpreter& get() const { return interpreter_; }
  // Where the plan placed the tensors (a tensor's offset is its data pointer minus this).
  const AlignedBytes& arena() const { return arena_; }
  // Runs once; throws Error with the runtime's message on failure.
  void invoke();

 private:
  const ModelFile& file_;
  AlignedBytes arena_;
  Interpreter interpreter_;
};

// Bytes of input `input_index` for seed K, as the conformance manifest's input_generation says:
// splitmix64 with state = seed * 1000003 + input_index, one draw per element.
std::vector<uint8_t> random_input(const TensorView& tensor, uint64_t seed, int input_index);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_HOST_MODEL_FILE_H_
