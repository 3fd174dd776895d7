// `tinyforge export aot`: C++ for one model, compiled ahead of time (docs/aot.md). The host
// verifies the model, plans its arena and runs every kernel's prepare() for the target's kernels;
// the generated code holds the result: the operators as straight-line calls of the same kernels'
// eval(), each with its operands (shapes, arena offsets, constant data) and the parameters
// prepare() computed (geometry, requantization multipliers) as constants. The device parses,
// verifies and plans nothing, and links no interpreter, flatbuffer code or kernel registry.
#ifndef TINYFORGE_TOOLKIT_EXPORT_AOT_CODE_H_
#define TINYFORGE_TOOLKIT_EXPORT_AOT_CODE_H_

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tinyforge/kernel_set.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::host {

struct AotOptions {
  KernelSet kernels = KernelSet::kReference;  // the target's kernels (a board's BOARD_KERNELS)
  std::string name = "model_aot";             // file stem and C++ namespace of the code
  std::string label;                          // what the comment names as the source model
};

struct AotCode {
  std::string header;  // NAME.h: the model's interface
  std::string source;  // NAME.cc: constants, operands, parameters and invoke()
  size_t arena_bytes = 0;
  std::set<std::string> ops;     // operators the code calls (the kernels to build)
  std::set<std::string> dtypes;  // "float32", "int16" where the kernels compute them
};

// Generates the code; throws Error naming the model, the operator and why when a model cannot be
// compiled (an operator without a code generator, stateful operators).
AotCode generate_aot(const ModelFile& file, const AotOptions& options);

// Writes DIR/NAME.h and DIR/NAME.cc (atomically; unchanged files are left alone) and returns them.
std::vector<std::filesystem::path> export_aot(const std::filesystem::path& model,
                                              const std::filesystem::path& dir,
                                              const AotOptions& options, AotCode* code = nullptr);

// The operators generate_aot() can compile.
const std::vector<std::string>& aot_supported_ops();

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_EXPORT_AOT_CODE_H_
