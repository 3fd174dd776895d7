// `training.qat` (docs/project-file.md): quantization-aware training from the command line. Starts
// from a trained float checkpoint, prepares it as a device will run it (Dropout dropped,
// BatchNorm folded, activations fused), initialises fake quantization from a calibration on
// training samples, fine-tunes with the ordinary trainer, and writes the int8 model that
// convert_qat makes from the learned ranges (toolkit/quantize/qat.h, docs/quantization.md).
#ifndef TINYFORGE_TOOLKIT_PIPELINE_QAT_H_
#define TINYFORGE_TOOLKIT_PIPELINE_QAT_H_

#include <nlohmann/json.hpp>

#include "toolkit/pipeline/project.h"
#include "toolkit/pipeline/run_directory.h"

namespace tinyforge::pipeline {

// Needs project.training.qat. Writes into project.output_dir: model.tfm (the QAT graph with its
// ranges, after every epoch, so --resume works and `eval` runs the fake-quantized model),
// log.csv, model_int8.tflite (int8 in and out, tinyforge metadata) and, with compare_ptq,
// model_ptq_int8.tflite (the same calibration without fine-tuning). Every weight trains, including
// layers frozen when the float model was fine-tuned. Returns train's JSON object in which
// test_accuracy_pct and the metrics are the int8 model's in our runtime, plus
// float_accuracy_pct (the checkpoint before QAT), ptq_accuracy_pct, qat_accuracy_pct (the
// fake-quantized graph), int8_file and ptq_file.
nlohmann::json run_qat(const Project& project, RunStart start = RunStart::kFresh);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_QAT_H_
