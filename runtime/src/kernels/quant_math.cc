#include "kernels/quant_math.h"

#include <string.h>

namespace tinyforge {

double split_exponent(double x, int* exponent) {
  *exponent = 0;
  if (x == 0.0) return 0.0;
  uint64_t bits;
  memcpy(&bits, &x, sizeof(bits));
  int biased = static_cast<int>((bits >> 52) & 0x7FF);
  if (biased == 0x7FF) return x;  // inf or nan: callers reject these before
  if (biased == 0) {
    // Subnormal: scale into the normal range first.
    x *= 18014398509481984.0;  // 2^54
    memcpy(&bits, &x, sizeof(bits));
    biased = static_cast<int>((bits >> 52) & 0x7FF) - 54;
  }
  *exponent = biased - 1022;
  bits = (bits & ~(uint64_t{0x7FF} << 52)) | (uint64_t{1022} << 52);
  double mantissa;
  memcpy(&mantissa, &bits, sizeof(mantissa));
  return mantissa;
}

QuantizedMultiplier quantize_multiplier(double m) {
  QuantizedMultiplier result;
  // Zero for 0 and for what is not finite (a ratio of extreme scales can overflow to inf): never
  // undefined behaviour here; kernels that can meet such ratios refuse them first.
  if (m == 0.0 || !(m == m) || m > 1.7976931348623157e308 || m < -1.7976931348623157e308)
    return result;
  int shift;
  const double q = split_exponent(m, &shift);
  int64_t q_fixed = round_away(q * 2147483648.0);  // q * 2^31
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  result.multiplier = static_cast<int32_t>(q_fixed);
  result.shift = shift;
  return result;
}

QuantizedMultiplier quantize_multiplier_smaller_than_one(double m) {
  return quantize_multiplier(m);
}

void dtype_range(DataType type, int32_t* min, int32_t* max) {
  switch (type) {
    case DataType::kInt8:
      *min = -128;
      *max = 127;
      return;
    case DataType::kUInt8:
      *min = 0;
      *max = 255;
      return;
    case DataType::kInt16:
      *min = -32768;
      *max = 32767;
      return;
    default:
      *min = INT32_MIN;
      *max = INT32_MAX;
      return;
  }
}

bool quantized_activation_range(tflite::ActivationFunctionType activation, const TensorView& output,
                                int32_t* act_min, int32_t* act_max) {
  int32_t qmin, qmax;
  dtype_range(output.type, &qmin, &qmax);
  const float scale = output.scale();
  const int32_t zero_point = output.zero_point();
  auto quantize = [&](float f) { return zero_point + round_away_f(f / scale); };
  switch (activation) {
    case tflite::ActivationFunctionType::NONE:
      *act_min = qmin;
      *act_max = qmax;
      return true;
    case tflite::ActivationFunctionType::RELU:
      *act_min = qmin > quantize(0.0f) ? qmin : quantize(0.0f);
      *act_max = qmax;
      return true;
    case tflite::ActivationFunctionType::RELU6: {
      const int32_t lo = quantize(0.0f), hi = quantize(6.0f);
      *act_min = qmin > lo ? qmin : lo;
      *act_max = qmax < hi ? qmax : hi;
      return true;
    }
    case tflite::ActivationFunctionType::RELU_N1_TO_1: {
      const int32_t lo = quantize(-1.0f), hi = quantize(1.0f);
      *act_min = qmin > lo ? qmin : lo;
      *act_max = qmax < hi ? qmax : hi;
      return true;
    }
    default:
      return false;
  }
}

namespace {

// TFLite's CalculateActivationRange for unquantized outputs, between the dtype's limits.
template <typename T>
bool unquantized_activation_range(tflite::ActivationFunctionType activation, T lowest, T highest,
                                  T* act_min, T* act_max) {
  switch (activation) {
    case tflite::ActivationFunctionType::NONE:
      *act_min = lowest;
      *act_max = highest;
      return true;
    case tflite::ActivationFunctionType::RELU:
      *act_min = 0;
      *act_max = highest;
      return true;
    case tflite::ActivationFunctionType::RELU6:
      *act_min = 0;
      *act_max = 6;
      return true;
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
      *act_min = -1;
      *act_max = 1;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool float_activation_range(tflite::ActivationFunctionType activation, float* act_min,
                            float* act_max) {
  constexpr float kMax = 3.402823466e+38f;
  return unquantized_activation_range(activation, -kMax, kMax, act_min, act_max);
}

bool int32_activation_range(tflite::ActivationFunctionType activation, int32_t* act_min,
                            int32_t* act_max) {
  return unquantized_activation_range(activation, INT32_MIN, INT32_MAX, act_min, act_max);
}

}  // namespace tinyforge
