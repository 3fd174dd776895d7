// Version rules per operator. Where the published rules leave 16x8 (int16 activations, int8
// weights) without its own branch for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, we use the
// versions that introduced int16 activations for those kernels (TFLite's runtime-version table:
// CONV_2D 4, DEPTHWISE_CONV_2D 5, FULLY_CONNECTED 7), so an older reader refuses rather than
// misreads the file.
#include "toolkit/tflite/op_version.h"

#include "tflite_generated.h"

namespace tinyforge::tflite {
namespace {

using Op = ::tflite::BuiltinOperator;

bool is(DataType a, DataType b) { return a == b; }

// The common pattern: float 1, int8 2, int16 3.
int32_t by_activation_type(const OpSignature& s) {
  if (is(s.input, DataType::kInt16)) return 3;
  if (is(s.input, DataType::kInt8)) return 2;
  return 1;
}

}  // namespace

int32_t op_version(const OpSignature& s) {
  const bool int8 = is(s.input, DataType::kInt8) && is(s.output, DataType::kInt8);
  const bool int16x8 = is(s.input, DataType::kInt16) && is(s.weights, DataType::kInt8) &&
                       is(s.output, DataType::kInt16);
  switch (static_cast<Op>(s.op)) {
    case Op::CONV_2D:
      if (int16x8) return 4;
      if (int8 && is(s.weights, DataType::kInt8)) return 3;
      return 1;
    case Op::DEPTHWISE_CONV_2D:
      if (int16x8) return 5;
      if (int8 && is(s.weights, DataType::kInt8)) return 3;
      return s.dilated ? 2 : 1;
    case Op::FULLY_CONNECTED:
      if (int16x8) return 7;
      if (!s.has_bias) return 6;
      if (int8 && is(s.weights, DataType::kInt8)) return 4;
      return 1;
    case Op::MAX_POOL_2D:
    case Op::AVERAGE_POOL_2D:
    case Op::LOGISTIC:
    case Op::TANH:
      if (is(s.input, DataType::kInt16) && is(s.output, DataType::kInt16)) return 3;
      return is(s.input, DataType::kInt8) ? 2 : 1;
    case Op::MEAN:
    case Op::SOFTMAX:
    case Op::RELU6:
    case Op::RELU:
    case Op::CONCATENATION:
      return by_activation_type(s);
    case Op::PAD:
      if (s.input_rank > 4) return 4;
      return by_activation_type(s);
    case Op::LEAKY_RELU:
      return is(s.input, DataType::kInt16) ? 2 : 1;
    case Op::ADD:
      // Quantized int16 ADD is written with pot_scale_int16 = false (general scales): version 3.
      if (is(s.input, DataType::kInt16)) return 3;
      return is(s.input, DataType::kInt8) ? 2 : 1;
    case Op::MUL:
      if (is(s.input, DataType::kInt16)) return 4;
      if (s.mul_rescale >= 1.0) return 3;
      return is(s.input, DataType::kInt8) ? 2 : 1;
    case Op::QUANTIZE:
      if (s.per_channel) return 3;
      return is(s.output, DataType::kInt16) ? 2 : 1;
    case Op::DEQUANTIZE:
      if (is(s.input, DataType::kInt16)) return 3;
      if (is(s.input, DataType::kInt8)) return s.per_channel ? 5 : 2;
      return 1;
    case Op::HARD_SWISH:
    case Op::RESHAPE:
    default:
      return 1;
  }
}

}  // namespace tinyforge::tflite
