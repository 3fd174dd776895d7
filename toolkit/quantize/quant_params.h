// Scales and zero points from real ranges, as TFLite's converter chooses them. Every quantized
// value in toolkit/quantize (PTQ, QAT's fake quantization) gets its parameters here, so the
// simulated and the written model agree.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_QUANT_PARAMS_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_QUANT_PARAMS_H_

#include <cstdint>
#include <vector>

#include "tinyforge/tensor.h"
#include "toolkit/graph/graph.h"

namespace tinyforge::quantize {

// A real range; every quantized range includes 0 so that zero (padding, ReLU) is exact.
struct Range {
  float min = 0.0f;
  float max = 0.0f;
};

struct QuantParams {
  float scale = 1.0f;
  int64_t zero_point = 0;
};

// Integer range of a dtype: int8 [-128, 127], int16 [-32768, 32767], int32, int64.
int64_t dtype_min(DataType dtype);
int64_t dtype_max(DataType dtype);

// Asymmetric over the full integer range (int8 activations): scale = (max - min) / (qmax - qmin),
// zero point = round(qmin - min / scale) clamped to [qmin, qmax] (the "nudged" zero point of
// TFLite's FakeQuant and its MLIR quantizer). The range is widened to include 0 first.
QuantParams asymmetric_params(Range range, DataType dtype);
// Symmetric with zero point 0 (int16 activations): scale = max(|min|, |max|) / qmax.
QuantParams symmetric_params(Range range, DataType dtype);
// Symmetric narrow-range int8 per channel along `axis` (weights): scale[c] = max |w_c| / 127;
// an all-zero channel gets scale 1 (any scale represents it).
graph::Quantization per_channel_weight_quantization(const graph::Tensor& weights, int axis);

// round half away from zero (x / scale) + zero_point, clamped to the dtype: the writer's
// quantize_values() and the integer kernels' rounding, for QAT's simulation.
int64_t quantize_value(float x, float scale, int64_t zero_point, DataType dtype);
float dequantize_value(int64_t q, float scale, int64_t zero_point);

// Widens a range to contain 0.
Range with_zero(Range range);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_QUANT_PARAMS_H_
