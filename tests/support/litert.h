// Runs .tflite files in LiteRT.js (tests/litert/run.mjs under Node: XNNPACK in WebAssembly), a
// TFLite implementation tinyforge did not write, and compares its answers with ours. Tests skip
// with a message where `scripts/setup` has not installed it, and fail where CI=true.
//
//   TINYFORGE_REQUIRE_LITERT();
//   LiteRtResult lite = run_litert(model_path, {input_bytes});
//   ASSERT_TRUE(lite.ok()) << lite.error;
//   EXPECT_LE(step_diff<int8_t>(lite.outputs[0].bytes, ours).max_steps, 8);
#ifndef TINYFORGE_TESTS_SUPPORT_LITERT_H_
#define TINYFORGE_TESTS_SUPPORT_LITERT_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/shared_data.h"

namespace tinyforge::testing {

struct LiteRtOutput {
  std::string name;
  std::string dtype;  // "float32", "int8", "int16", "int32", "uint8"
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // raw little-endian, as `tinyforge run` writes; all samples
  size_t samples = 1;

  // The bytes of sample k (of run_litert's `samples`).
  std::vector<uint8_t> sample(size_t k) const {
    const size_t each = bytes.size() / samples;
    return std::vector<uint8_t>(bytes.begin() + k * each, bytes.begin() + (k + 1) * each);
  }
};

struct LiteRtResult {
  // Empty on success; otherwise LiteRT's refusal or run.mjs's complaint (e.g. "LiteRT refused
  // m.tflite: quantized_dimension must be in range [0, 1). Was 3.; ...").
  std::string error;
  std::vector<LiteRtOutput> outputs;
  std::string wasm;  // which LiteRT.js WebAssembly build ran (compat without relaxed SIMD)
  bool ok() const { return error.empty(); }
};

// tests/litert (TINYFORGE_LITERT_DIR overrides it).
std::filesystem::path litert_dir();

// Why LiteRT.js cannot run here ("" when it can): node missing, or `npm ci` not done.
std::string litert_unavailable_reason();

// Runs the model on `inputs` (raw bytes, in the model's input order). With `samples` > 1 each
// input holds that many tensors back to back, the model runs once per sample in one LiteRT
// session (about 2 ms per small-CNN inference instead of ~0.4 s per Node start), and each
// output's bytes hold the results back to back (LiteRtOutput::sample).
LiteRtResult run_litert(const std::filesystem::path& model,
                        const std::vector<std::vector<uint8_t>>& inputs, size_t samples = 1);
// The same for a model held in memory (written to a temporary file first).
LiteRtResult run_litert(const std::vector<uint8_t>& model,
                        const std::vector<std::vector<uint8_t>>& inputs, size_t samples = 1);

// A copy of `model` whose dynamic dimensions (-1 in a tensor's shape_signature) are pinned to
// the tensor's static shape. LiteRT.js refuses inputs of a dynamic-batch model, so a
// third-party file such as hello_world_float runs only after this. Returns `model` unchanged
// when it does not verify as a TFLite flatbuffer.
std::vector<uint8_t> pin_dynamic_dimensions(std::vector<uint8_t> model);

// How far two integer tensors are apart, in quantization steps.
struct StepDiff {
  int max_steps = 0;
  size_t differing = 0;  // elements that differ at all
  size_t count = 0;
};

template <typename T>
StepDiff step_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  StepDiff d;
  d.count = std::min(a.size(), b.size()) / sizeof(T);
  for (size_t i = 0; i < d.count; ++i) {
    T x, y;
    std::memcpy(&x, a.data() + i * sizeof(T), sizeof(T));
    std::memcpy(&y, b.data() + i * sizeof(T), sizeof(T));
    const int steps = std::abs(static_cast<int>(x) - static_cast<int>(y));
    d.max_steps = std::max(d.max_steps, steps);
    d.differing += steps != 0;
  }
  return d;
}

// Largest |theirs_i - ours_i| / |ours_i| over a float32 tensor. An element of `ours` smaller
// than 1e-6 of the tensor's largest magnitude counts as that size instead, so exact zeros
// (e.g. after ReLU) do not divide by zero; NaN anywhere gives infinity.
double max_relative_error(const std::vector<uint8_t>& theirs, const std::vector<uint8_t>& ours);

// Index of the largest element (the first, on ties): the top-1 class of a classifier output.
template <typename T>
size_t argmax(const std::vector<uint8_t>& bytes) {
  size_t best = 0;
  T best_value{};
  for (size_t i = 0; i < bytes.size() / sizeof(T); ++i) {
    T value;
    std::memcpy(&value, bytes.data() + i * sizeof(T), sizeof(T));
    if (i == 0 || value > best_value) best = i, best_value = value;
  }
  return best;
}

}  // namespace tinyforge::testing

// Use at the start of a test that runs LiteRT.js: skips with the reason where it is not
// installed (a user's fresh clone), fails where CI=true (CI runs scripts/setup).
#define TINYFORGE_REQUIRE_LITERT()                                                          \
  do {                                                                                      \
    const std::string litert_reason = ::tinyforge::testing::litert_unavailable_reason();    \
    if (!litert_reason.empty()) {                                                           \
      if (::tinyforge::testing::running_in_ci()) {                                          \
        FAIL() << "CI=true but LiteRT.js is unavailable: " << litert_reason;                \
      }                                                                                     \
      GTEST_SKIP() << "LiteRT.js unavailable (" << litert_reason << "); run scripts/setup"; \
    }                                                                                       \
  } while (0)

#endif  // TINYFORGE_TESTS_SUPPORT_LITERT_H_
