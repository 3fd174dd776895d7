// Runs an in-memory model through the runtime for tests: load, plan, set inputs, invoke.
#ifndef TINYFORGE_TESTS_SUPPORT_RUN_MODEL_H_
#define TINYFORGE_TESTS_SUPPORT_RUN_MODEL_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tinyforge/kernel_set.h"
#include "tinyforge/status.h"

namespace tinyforge::testing {

struct LoadResult {
  Status status;
  std::string message;
};

// Verifies the model bytes (copied to aligned memory) and reports the runtime's verdict.
LoadResult load_model(const std::vector<uint8_t>& model);

struct RunResult {
  Status status = Status::kOk;
  std::string message;
  std::vector<std::vector<uint8_t>> outputs;
  size_t arena_bytes = 0;
};

// Loads, plans, copies `inputs` (raw bytes, in input order) and invokes `invocations` times with
// `kernels` (the reference kernels unless a test names another set).
RunResult run_model(const std::vector<uint8_t>& model,
                    const std::vector<std::vector<uint8_t>>& inputs, int invocations = 1,
                    KernelSet kernels = KernelSet::kReference);

template <typename T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> from_bytes(const std::vector<uint8_t>& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_RUN_MODEL_H_
