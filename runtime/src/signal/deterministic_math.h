// Transcendental functions whose results are the same bits on every target the runtime builds for
// (x86-64 hosts, Cortex-M4F/M7/M55): a fixed sequence of IEEE additions, multiplications and
// divisions, nothing from libm, whose implementations differ between the host's glibc and the
// boards' newlib. The motion kernels use them so the toolkit trains on exactly the features a
// device computes. Exactness across targets also needs the runtime built with -ffp-contract=off
// (runtime/CMakeLists.txt): a fused multiply-add rounds once where the host rounds twice.
#ifndef TINYFORGE_SIGNAL_DETERMINISTIC_MATH_H_
#define TINYFORGE_SIGNAL_DETERMINISTIC_MATH_H_

#include <stdint.h>
#include <string.h>

namespace tinyforge {

// Natural log within about 1 ulp: the exponent from the float's bits, the mantissa's log from the
// series of atanh. log(0) = -inf, log(+inf) = +inf; negative numbers and NaN give a NaN.
float deterministic_log(float x);

// sin and cos of 2 pi k / n (n > 0) in double precision, to within a few ulp: the angle is
// reduced to an octant with integers, so it is exact whatever k and n are.
void sin_cos_of_turn(int64_t k, int64_t n, double* sine, double* cosine);

// tan(a) for 0 < a < pi / 2, in double precision.
double deterministic_tan(double a);

// `v`, or the quiet NaN 0x7FC00000 when v is a NaN: the NaNs an operation makes differ between
// x86 (sign set) and Arm, and which operand's NaN propagates depends on the compiler's order.
inline float canonical_nan(float v) {
  if (v == v) return v;
  const uint32_t quiet_nan = 0x7FC00000u;
  memcpy(&v, &quiet_nan, sizeof(v));
  return v;
}

}  // namespace tinyforge

#endif  // TINYFORGE_SIGNAL_DETERMINISTIC_MATH_H_
