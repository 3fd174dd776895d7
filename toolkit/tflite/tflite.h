// The IR's door to TensorFlow Lite: the writer turns a graph::Graph (float32, int8 or 16x8) into a
// real .tflite file, and the importer turns a float or hybrid .tflite back into the IR so a
// pretrained model can be fine-tuned and re-quantized.
//
// Contract for a QUANTIZED graph (made by toolkit/quantize, written here): a value's `dtype` and
// `quantization` say how it is stored; parameters and constants keep their REAL float values in
// `data` and the writer quantizes them with quantize_values(). Weights are int8 per-channel
// symmetric (axis 0 for FC and conv, axis 3 for depthwise); bias is int32 (int64 for 16x8 conv/FC)
// with scale[c] = input_scale * weight_scale[c] and zero point 0; activations are per-tensor (int8
// asymmetric, int16 symmetric). BatchNorm and Dropout never reach the writer. The batch dimension
// (-1 in the IR) is written as 1 without shape_signature.
#ifndef TINYFORGE_TOOLKIT_TFLITE_TFLITE_H_
#define TINYFORGE_TOOLKIT_TFLITE_TFLITE_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/graph/graph.h"

namespace tinyforge::tflite {

// Model.metadata entry "tinyforge"; its buffer is JSON with the keys labels, input_mean,
// input_std and version, and whatever other keys stages add (kept in `extra` as they are, e.g.
// "features": the feature graph's settings, toolkit/features/settings.h).
struct Metadata {
  std::vector<std::string> labels;
  std::vector<float> input_mean, input_std;
  std::string version;  // tinyforge version string
  nlohmann::json extra = nlohmann::json::object();
};

struct WriteOptions {
  // Quantized graph: float32 model inputs/outputs through QUANTIZE/DEQUANTIZE ops at the edges.
  bool float_io = false;
  // Value ids also exposed as model outputs (per-layer reports).
  std::vector<int> extra_outputs;
  Metadata metadata;
};

std::vector<uint8_t> write_tflite(const graph::Graph& g, const WriteOptions& options);
// Atomic: writes through host::write_file.
void write_tflite_file(const graph::Graph& g, const WriteOptions& options,
                       const std::filesystem::path& path);

struct Imported {
  graph::Graph graph;
  Metadata metadata;
};
// Float models and hybrid ones (int8 weights dequantized with their scales).
Imported import_tflite(const std::filesystem::path& path);

// The one rounding of real values to integers, used by the writer and by anyone simulating it:
// q = clamp(round_half_away_from_zero(x / scale[c]) + zero_point[c], dtype range), c along axis.
std::vector<int64_t> quantize_values(const graph::Value& v);

}  // namespace tinyforge::tflite

#endif  // TINYFORGE_TOOLKIT_TFLITE_TFLITE_H_
