// The .tfm file: the toolkit's own model and checkpoint. It holds the whole IR (values with
// shapes, kinds, dtypes and quantization; nodes with every attribute), the weights, the
// optimizer's state, where training stopped (epoch, step, RNG state, early-stopping bookkeeping),
// the class labels, the input normalization and the project file text, so `tinyforge train`
// can resume exactly and `eval`/`convert` need nothing else.
//
// Layout (little-endian):
//   8 bytes  magic "TFMODEL\0"
//   8 bytes  uint64 length L of the header
//   L bytes  UTF-8 JSON header (format version, graph, state, metadata; tensors as {offset, count})
//   zeros up to a multiple of 16, then the tensor blob: float32 values, each tensor 16-aligned.
// The JSON keeps the structure readable with any JSON tool; the blob keeps weights exact and
// compact.
#ifndef TINYFORGE_TOOLKIT_TRAIN_CHECKPOINT_H_
#define TINYFORGE_TOOLKIT_TRAIN_CHECKPOINT_H_

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/graph/graph.h"

namespace tinyforge::train {

// The optimizer's state, whatever the optimizer: named tensors (moments, velocities, in
// parameter order) and scalars/settings as JSON.
struct SavedOptimizer {
  std::string name;  // "adam", "sgd", ...
  int64_t step = 0;
  std::vector<std::pair<std::string, graph::Tensor>> tensors;
  nlohmann::json settings = nlohmann::json::object();
};

struct TrainingState {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // optimizer steps taken
  std::string rng;    // std::mt19937_64 state in its standard text form (empty = none)
  // Everything else a resumed run needs to continue identically: early-stopping counters, the
  // best weights' epoch, the log rows so far.
  nlohmann::json extra = nlohmann::json::object();
  // Named tensors of the training state (the best epoch's weights for early stopping).
  std::vector<std::pair<std::string, graph::Tensor>> tensors;
};

struct Checkpoint {
  graph::Graph graph;
  SavedOptimizer optimizer;
  TrainingState training;
  std::vector<std::string> labels;
  std::vector<float> normalization_mean, normalization_std;  // per channel; empty = none
  std::string project;                                       // the project file's text
  nlohmann::json metadata = nlohmann::json::object();        // model name, options, metrics...
};

// Writes atomically (temporary file + rename). Throws host::Error naming the path.
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// Reads and validates; throws host::Error naming the file and the field that is wrong.
Checkpoint load_checkpoint(const std::filesystem::path& path);
// The same through memory (`label` names the bytes in errors).
std::vector<uint8_t> serialize_checkpoint(const Checkpoint& checkpoint);
Checkpoint parse_checkpoint(const uint8_t* data, size_t size, const std::string& label);

// The RNG state as text and back (the standard guarantees the format round-trips).
std::string rng_state(const std::mt19937_64& rng);
void restore_rng(std::mt19937_64& rng, const std::string& state);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_CHECKPOINT_H_
