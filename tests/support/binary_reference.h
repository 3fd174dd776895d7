// Independent reference pieces for the elementwise binary kernel tests: numpy broadcasting by
// explicit multi-indices, random broadcastable shapes, TFLite's quantized activation range, and
// the real multipliers TFLite Micro derives for ADD (double) and SUB (float).
#ifndef TINYFORGE_TESTS_SUPPORT_BINARY_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_BINARY_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tests/support/quant_reference.h"
#include "tflite_generated.h"

namespace tinyforge::testing {

using Shape = std::vector<int32_t>;

inline int64_t shape_elements(const Shape& s) {
  int64_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

// A random output shape of rank 1..max_rank and two operand shapes that broadcast to it: each
// operand keeps a random number of trailing dimensions, each either the full extent or 1.
struct BroadcastCase {
  Shape a, b, out;
};

inline BroadcastCase random_broadcast_case(std::mt19937& rng, int max_rank = 6,
                                           int64_t max_elements = 600) {
  BroadcastCase c;
  const int rank = random_int<int>(rng, 1, max_rank);
  do {
    c.out.assign(rank, 1);
    for (int32_t& d : c.out) d = random_int<int32_t>(rng, 1, 6);
  } while (shape_elements(c.out) > max_elements);
  // One operand (chosen at random) has the output's rank, the other any rank up to it.
  const bool a_full = random_int<int>(rng, 0, 1) == 0;
  auto operand = [&](Shape* s, bool full) {
    const int keep = full ? rank : random_int<int>(rng, 0, rank);
    s->clear();
    for (int i = rank - keep; i < rank; ++i)
      s->push_back(random_int<int>(rng, 0, 2) == 0 ? 1 : c.out[i]);
  };
  operand(&c.a, a_full);
  operand(&c.b, !a_full);
  // Make sure each output extent comes from at least one operand.
  const int la = static_cast<int>(c.a.size()), lb = static_cast<int>(c.b.size());
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - la), ib = i - (rank - lb);
    const bool from_a = ia >= 0 && c.a[ia] == c.out[i];
    const bool from_b = ib >= 0 && c.b[ib] == c.out[i];
    if (from_a || from_b || c.out[i] == 1) continue;
    if (ia >= 0) {
      c.a[ia] = c.out[i];
    } else if (ib >= 0) {
      c.b[ib] = c.out[i];
    } else {
      c.out[i] = 1;
    }
  }
  return c;
}

// Flat index into `in` (aligned on trailing dimensions, extent-1 dimensions repeated) of the
// output element at flat index `flat`.
inline int64_t broadcast_source_index(const Shape& in, const Shape& out, int64_t flat) {
  const int rank = static_cast<int>(out.size()), lin = static_cast<int>(in.size());
  int64_t index = 0, stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    const int64_t coordinate = flat % out[i];
    flat /= out[i];
    const int j = i - (rank - lin);
    if (j < 0) continue;
    if (in[j] != 1) index += coordinate * stride;
    stride *= in[j];
  }
  return index;
}

// TFLite's CalculateActivationRangeQuantized, computed here from its definition.
inline void reference_activation_range(tflite::ActivationFunctionType activation, float scale,
                                       int32_t zero_point, int32_t qmin, int32_t qmax, int32_t* lo,
                                       int32_t* hi) {
  auto q = [&](float f) { return zero_point + static_cast<int32_t>(std::round(f / scale)); };
  *lo = qmin;
  *hi = qmax;
  switch (activation) {
    case tflite::ActivationFunctionType::RELU:
      *lo = std::max(qmin, q(0.0f));
      break;
    case tflite::ActivationFunctionType::RELU6:
      *lo = std::max(qmin, q(0.0f));
      *hi = std::min(qmax, q(6.0f));
      break;
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
      *lo = std::max(qmin, q(-1.0f));
      *hi = std::min(qmax, q(1.0f));
      break;
    default:
      break;
  }
}

// ADD / SUB general-path real multipliers (input1, input2, output). TFLM's ADD works in double;
// its SUB forms twice the larger input scale and the quotients in float.
struct AddSubMultipliers {
  double input1, input2, output;
};

inline AddSubMultipliers reference_add_multipliers(float s1, float s2, float so, int left_shift) {
  const double twice = 2.0 * std::max<double>(s1, s2);
  return {s1 / twice, s2 / twice, twice / (std::ldexp(1.0, left_shift) * so)};
}

inline AddSubMultipliers reference_sub_multipliers(float s1, float s2, float so, int left_shift) {
  const float twice = 2.0f * std::max(s1, s2);
  const float o = twice / (std::ldexp(1.0f, left_shift) * so);
  return {static_cast<double>(s1 / twice), static_cast<double>(s2 / twice), static_cast<double>(o)};
}

// One element of TFLite's general quantized ADD (sign = +1) or SUB (sign = -1).
inline int64_t reference_add_sub(int64_t x1, int64_t x2, int32_t zp1, int32_t zp2, int32_t zp_out,
                                 int left_shift, const AddSubMultipliers& m, int sign, int32_t lo,
                                 int32_t hi) {
  const int64_t scale = int64_t{1} << left_shift;
  const int64_t scaled1 = reference_requantize((x1 - zp1) * scale, m.input1);
  const int64_t scaled2 = reference_requantize((x2 - zp2) * scale, m.input2);
  const int64_t raw = scaled1 + sign * scaled2;
  return std::clamp<int64_t>(reference_requantize(raw, m.output) + zp_out, lo, hi);
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_BINARY_REFERENCE_H_
