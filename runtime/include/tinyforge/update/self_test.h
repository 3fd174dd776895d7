// A package's self-test: the model runs once on the input the package carries, and the SHA-256
// of its outputs (all of them, in order, raw bytes) is compared with the one the host computed
// with the same runtime. Host and device call this same function.
#ifndef TINYFORGE_UPDATE_SELF_TEST_H_
#define TINYFORGE_UPDATE_SELF_TEST_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "tinyforge/update/sha2.h"
#include "tinyforge/update/update_status.h"

namespace tinyforge::update {

// Fills the inputs in order from `input` (their sizes must add up to `input_bytes`), invokes and
// hashes the outputs into `digest`. kArenaTooSmall when init fails for want of arena,
// kMalformedModel when the input size does not match or the model does not run.
UpdateStatus run_self_test(const Model& model, void* arena, size_t arena_bytes,
                           const uint8_t* input, size_t input_bytes,
                           uint8_t digest[Sha256::kDigestBytes],
                           const PlanOptions& options = PlanOptions());

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_SELF_TEST_H_
