// The operator version TFLite's converter records for an operator, from the published
// op-version rules (tensorflow/lite/tools/versioning/op_version.cc), for the operators and dtype
// combinations the writer produces. Readers use it to refuse kernels that are too old.
#ifndef TINYFORGE_TOOLKIT_TFLITE_OP_VERSION_H_
#define TINYFORGE_TOOLKIT_TFLITE_OP_VERSION_H_

#include <cstdint>

#include "tinyforge/tensor.h"

namespace tinyforge::tflite {

struct OpSignature {
  int32_t op = 0;                        // tflite::BuiltinOperator
  DataType input = DataType::kFloat32;   // input 0
  DataType weights = DataType::kNone;    // input 1 of FC/conv/depthwise (kNone elsewhere)
  DataType output = DataType::kFloat32;  // output 0
  int input_rank = 4;
  bool has_bias = true;      // FULLY_CONNECTED without bias is version 6
  bool dilated = false;      // DEPTHWISE_CONV_2D with dilation != 1
  bool per_channel = false;  // QUANTIZE/DEQUANTIZE with per-channel parameters
  // MUL: input1_scale * input2_scale / output_scale (0 when float).
  double mul_rescale = 0.0;
};

int32_t op_version(const OpSignature& sig);

}  // namespace tinyforge::tflite

#endif  // TINYFORGE_TOOLKIT_TFLITE_OP_VERSION_H_
