// Evaluation on an emulated device: a dataset's samples, quantized as the model's input expects,
// run through the board's generic runner firmware in one QEMU launch, and the outputs read back.
// What the device computes, measured the same way as evaluate_tflite measures the host.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_BOARD_EVALUATION_H_
#define TINYFORGE_TOOLKIT_PIPELINE_BOARD_EVALUATION_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"
#include "toolkit/train/regression.h"
#include "toolkit/train/trainer.h"

namespace tinyforge::pipeline {

struct BoardEvaluation {
  train::Evaluation evaluation;
  size_t arena_bytes = 0;
  std::vector<uint64_t> instructions;  // per sample
  std::vector<uint8_t> raw_outputs;    // the output's bytes, every sample back to back
};

// One input, one output (a classifier or a regression model), as evaluate_tflite. Throws
// host::Error naming the model and the board on any failure (see deploy::run_model_on_board).
BoardEvaluation evaluate_on_board(const std::filesystem::path& model, const data::Dataset& set,
                                  const std::string& board, int timeout_seconds,
                                  const train::RegressionLoss& regression = {});

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_BOARD_EVALUATION_H_
