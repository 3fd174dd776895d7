// `tinyforge convert` as a library call: a trained .tfm (or a float .tflite) becomes a float32,
// int8 or 16x8 .tflite. The model is prepared as a device runs it (quantize::prepare_for_export),
// calibrated on the project's training split, quantized, written, and both the float model and
// the written file (through tinyforge's runtime) are evaluated on the project's test split.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_CONVERT_H_
#define TINYFORGE_TOOLKIT_PIPELINE_CONVERT_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/data/dataset.h"
#include "toolkit/data/normalization.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/quantize/adaround.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/quantize/mixed_precision.h"
#include "toolkit/tflite/tflite.h"

namespace tinyforge::pipeline {

enum class ConvertDtype { kFloat32, kInt8, kInt16x8 };
const char* convert_dtype_name(ConvertDtype d);  // "float32", "int8", "int16x8"

struct ConvertOptions {
  ConvertDtype dtype = ConvertDtype::kInt8;
  int64_t calibration_samples = 1000;  // training samples spread over the split (<= 0: all)
  quantize::Calibrator calibrator = quantize::Calibrator::kMinMax;
  bool float_io = false;  // quantized model with float32 input and output (QUANTIZE/DEQUANTIZE)
  std::filesystem::path error_report;  // where to write the per-layer error report (JSON), if set
  bool bias_correction = false;        // quantize/bias_correction.h, on the calibration samples
  bool equalize = false;               // quantize/cross_layer_equalization.h, before calibration
  // quantize/adaround.h: learned rounding of the weights on the first adaround.samples
  // calibration samples, after quantization and before bias correction.
  bool adaround = false;
  quantize::AdaRoundOptions adaround_options;
  // quantize/mixed_precision.h (--int8 only): the layers adding the most error run in 16x8 while
  // the model stays within the budget (arena: the planner's for a 32-bit device with the reference
  // kernels; model: the file before metadata).
  bool mixed_precision = false;
  quantize::MixedPrecisionBudget mixed_precision_budget;
  bool progress = true;  // one line per long step on stderr
  // The model input's quantization instead of the calibrated one (a model behind a feature graph
  // takes the frames' bytes as they are); run_conversion sets it from the project's features.
  std::optional<quantize::QuantParams> input_quantization;
};

// Converts `model` (.tfm, or a float .tflite, which needs `project`) into `output`, written
// atomically only once everything succeeded. The project is `project`, else the one stored in
// the .tfm. A QAT checkpoint (with FakeQuant nodes) converts to int8 with its learned ranges.
// Returns output, dtype, float_accuracy_pct, quantized_accuracy_pct (null for float32),
// output_accuracy_pct (the written file in our runtime), float_macro_f1, output_macro_f1,
// model_bytes, arena_bytes, calibration_samples, calibrator, io_dtype, seconds, and
// error_report_file when one was written. A regression model reports float_mae, quantized_mae
// (null for float32), output_mae and float_r2, quantized_r2, output_r2 (the accuracies null).
// An autoencoder (anomaly detector) reports float_, quantized_ and output_ roc_auc and pauc of
// the clips' reconstruction errors as the device computes them, and the threshold re-chosen on
// the written model's validation errors (stored in its metadata as anomaly_threshold) with the
// written model's precision, recall, f1 and output_accuracy_pct at it.
// Throws host::Error naming the file or flag at fault.
nlohmann::json run_conversion(const std::filesystem::path& model,
                              const std::optional<Project>& project, const ConvertOptions& options,
                              const std::filesystem::path& output);

// The core of run_conversion, for callers holding the graph: `trained` prepared for export,
// calibrated on `train` and quantized as `options` say (a QAT graph through convert_qat), written
// with `metadata`. `details`, when given, receives calibration_samples, calibrator and
// error_report_file.
std::vector<uint8_t> convert_graph(const graph::Graph& trained, const data::Dataset& train,
                                   const ConvertOptions& options, const tflite::Metadata& metadata,
                                   nlohmann::json* details = nullptr);
// convert_graph's graph before it is written.
graph::Graph quantize_for_export(const graph::Graph& trained, const data::Dataset& train,
                                 const ConvertOptions& options, nlohmann::json* details = nullptr);

// Up to `count` training samples spread evenly over the split (deterministic, every part of the
// file order represented); all of them when count <= 0.
graph::Tensor calibration_samples(const data::Dataset& train, int64_t count);

// The tinyforge metadata written with every exported model.
tflite::Metadata export_metadata(const std::vector<std::string>& labels,
                                 const data::Normalization& normalization,
                                 const nlohmann::json& features = nullptr);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_CONVERT_H_
