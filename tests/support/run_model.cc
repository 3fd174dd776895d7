#include "tests/support/run_model.h"

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {

LoadResult load_model(const std::vector<uint8_t>& model) {
  host::AlignedBytes bytes(model.size());
  if (!model.empty()) std::memcpy(bytes.data(), model.data(), model.size());
  Model m;
  const Status status = m.load(bytes.data(), bytes.size());
  return {status, m.error()};
}

RunResult run_model(const std::vector<uint8_t>& model,
                    const std::vector<std::vector<uint8_t>>& inputs, int invocations,
                    KernelSet kernels) {
  RunResult result;
  host::AlignedBytes bytes(model.size());
  if (!model.empty()) std::memcpy(bytes.data(), model.data(), model.size());
  Model m;
  result.status = m.load(bytes.data(), bytes.size());
  if (result.status != Status::kOk) {
    result.message = m.error();
    return result;
  }
  PlanOptions options;
  options.kernels = kernels;
  const ArenaUsage usage = host::plan_arena(m, options);
  host::AlignedBytes arena(usage.total_bytes);
  Interpreter interpreter;
  result.status = interpreter.init(m, arena.data(), arena.size(), options);
  if (result.status != Status::kOk) {
    result.message = interpreter.error();
    return result;
  }
  result.arena_bytes = usage.total_bytes;
  for (int i = 0; i < interpreter.num_inputs() && i < static_cast<int>(inputs.size()); ++i) {
    const TensorView in = interpreter.input(i);
    if (inputs[i].size() != in.bytes()) {
      result.status = Status::kInvalidArgument;
      result.message = "input " + std::to_string(i) + " has " + std::to_string(inputs[i].size()) +
                       " bytes, expected " + std::to_string(in.bytes());
      return result;
    }
    std::memcpy(in.data, inputs[i].data(), inputs[i].size());
  }
  for (int k = 0; k < invocations; ++k) {
    result.status = interpreter.invoke();
    if (result.status != Status::kOk) {
      result.message = interpreter.error();
      return result;
    }
  }
  for (int i = 0; i < interpreter.num_outputs(); ++i) {
    const TensorView out = interpreter.output(i);
    const uint8_t* p = static_cast<const uint8_t*>(out.data);
    result.outputs.emplace_back(p, p + out.bytes());
  }
  return result;
}

}  // namespace tinyforge::testing
