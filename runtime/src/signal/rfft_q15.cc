#include "signal/rfft_q15.h"

#include "signal/q15_sine_table.h"

namespace tinyforge {
namespace {

constexpr int32_t kTurn = 4 * kQ15SineQuarter;  // angle units in a full turn

// sin and cos of `units` * pi / 2048, from the quarter-wave table.
int16_t sine_units(int32_t units) {
  units &= kTurn - 1;
  const int32_t quadrant = units / kQ15SineQuarter;
  const int32_t offset = units % kQ15SineQuarter;
  const int32_t index = (quadrant & 1) ? kQ15SineQuarter - offset : offset;
  const int16_t magnitude = kQ15Sine[index];
  return quadrant >= 2 ? static_cast<int16_t>(-magnitude) : magnitude;
}
int16_t cosine_units(int32_t units) { return sine_units(units + kQ15SineQuarter); }

// kissfft's rounding of a Q30 product sum back to Q15, wrapping to 16 bits as its int16
// stores do.
int16_t round_q15(int32_t x) { return static_cast<int16_t>((x + (1 << 14)) >> 15); }
// Products summed with wrap-around (kissfft's int32 arithmetic) without signed overflow.
int32_t mul_add(int32_t a, int32_t b, int32_t c, int32_t d) {
  return static_cast<int32_t>(static_cast<uint32_t>(a * b) + static_cast<uint32_t>(c * d));
}
int16_t wrap16(int32_t x) { return static_cast<int16_t>(x); }

ComplexQ15 multiply(ComplexQ15 a, ComplexQ15 b) {
  return {round_q15(mul_add(a.re, b.re, -a.im, b.im)), round_q15(mul_add(a.re, b.im, a.im, b.re))};
}
ComplexQ15 add(ComplexQ15 a, ComplexQ15 b) { return {wrap16(a.re + b.re), wrap16(a.im + b.im)}; }
ComplexQ15 sub(ComplexQ15 a, ComplexQ15 b) { return {wrap16(a.re - b.re), wrap16(a.im - b.im)}; }
// Division by the radix of a stage: multiplication by floor(32767 / radix) in Q15.
ComplexQ15 divide(ComplexQ15 a, int32_t radix) {
  const int32_t factor = 32767 / radix;
  return {round_q15(a.re * factor), round_q15(a.im * factor)};
}

// kissfft factors n into 4s first, then one 2 if a factor of two remains.
int radix_at(int32_t n, int stage, int stages) {
  return (stage == stages - 1 && (__builtin_ctz(static_cast<uint32_t>(n)) & 1)) ? 2 : 4;
}

int stage_count(int32_t n) {
  const int log2n = __builtin_ctz(static_cast<uint32_t>(n));
  return log2n / 2 + (log2n & 1);
}

// Radix-4 butterflies of one stage: `m` points per quarter, twiddle step `stride` (in the n-point
// table), forward direction.
void butterflies4(ComplexQ15* f, int32_t m, int32_t stride, int32_t n) {
  const int32_t units_per_step = kTurn / n;
  for (int32_t k = 0; k < m; ++k) {
    ComplexQ15* p = f + k;
    const ComplexQ15 a0 = divide(p[0], 4);
    const ComplexQ15 a1 = divide(p[m], 4);
    const ComplexQ15 a2 = divide(p[2 * m], 4);
    const ComplexQ15 a3 = divide(p[3 * m], 4);
    const int32_t units = k * stride * units_per_step;
    const ComplexQ15 w1 = {cosine_units(units), static_cast<int16_t>(-sine_units(units))};
    const ComplexQ15 w2 = {cosine_units(2 * units), static_cast<int16_t>(-sine_units(2 * units))};
    const ComplexQ15 w3 = {cosine_units(3 * units), static_cast<int16_t>(-sine_units(3 * units))};
    const ComplexQ15 t0 = multiply(a1, w1);
    const ComplexQ15 t1 = multiply(a2, w2);
    const ComplexQ15 t2 = multiply(a3, w3);
    const ComplexQ15 difference = sub(a0, t1);
    const ComplexQ15 sum = add(a0, t1);
    const ComplexQ15 outer_sum = add(t0, t2);
    const ComplexQ15 outer_difference = sub(t0, t2);
    p[2 * m] = sub(sum, outer_sum);
    p[0] = add(sum, outer_sum);
    p[m] = {wrap16(difference.re + outer_difference.im),
            wrap16(difference.im - outer_difference.re)};
    p[3 * m] = {wrap16(difference.re - outer_difference.im),
                wrap16(difference.im + outer_difference.re)};
  }
}

void butterflies2(ComplexQ15* f, int32_t m, int32_t stride, int32_t n) {
  const int32_t units_per_step = kTurn / n;
  for (int32_t k = 0; k < m; ++k) {
    const ComplexQ15 a0 = divide(f[k], 2);
    const ComplexQ15 a1 = divide(f[k + m], 2);
    const int32_t units = k * stride * units_per_step;
    const ComplexQ15 t =
        multiply(a1, {cosine_units(units), static_cast<int16_t>(-sine_units(units))});
    f[k + m] = sub(a0, t);
    f[k] = add(a0, t);
  }
}

// The n-point complex FFT of `in` (n pairs of int16) into `out` (decimation in time over kissfft's
// factors: the input in mixed-radix digit-reversed order, then the stages from the innermost out;
// blocks of a stage are independent, so doing them stage by stage gives the bytes kissfft's
// recursion does).
void complex_fft(const int16_t* in, int32_t n, ComplexQ15* out) {
  const int stages = stage_count(n);
  for (int32_t position = 0; position < n; ++position) {
    // position = sum q_l * m_l (m_l = n / (p_0 ... p_l)); the input index is sum q_l *
    // p_0..p_{l-1}.
    int32_t rest = position, m = n, source = 0, weight = 1;
    for (int l = 0; l < stages; ++l) {
      const int radix = radix_at(n, l, stages);
      m /= radix;
      source += (rest / m) * weight;
      rest %= m;
      weight *= radix;
    }
    out[position] = {in[2 * source], in[2 * source + 1]};
  }
  int32_t m = 1;
  int32_t stride = n;  // product of the radices of the stages before this one
  for (int l = stages - 1; l >= 0; --l) {
    const int radix = radix_at(n, l, stages);
    stride /= radix;
    for (int32_t block = 0; block < n; block += radix * m) {
      if (radix == 4) {
        butterflies4(out + block, m, stride, n);
      } else {
        butterflies2(out + block, m, stride, n);
      }
    }
    m *= radix;
  }
}

}  // namespace

bool rfft_q15_length_supported(int32_t fft_length) {
  return fft_length >= kMinRfftLength && fft_length <= kMaxRfftLength &&
         (fft_length & (fft_length - 1)) == 0;
}

ComplexQ15 fft_twiddle_q15(int32_t k, int32_t n) {
  const int32_t units = k * (kTurn / n);
  return {cosine_units(units), static_cast<int16_t>(-sine_units(units))};
}

ComplexQ15 rfft_split_twiddle_q15(int32_t k, int32_t n) {
  // -pi ((k + 1) / n + 1/2): a quarter turn plus (k + 1) half-turns / n, negated.
  const int32_t units = (k + 1) * (kTurn / 2 / n) + kQ15SineQuarter;
  return {cosine_units(units), static_cast<int16_t>(-sine_units(units))};
}

void rfft_q15(const int16_t* input, int32_t fft_length, ComplexQ15* work, ComplexQ15* output) {
  const int32_t n = fft_length / 2;
  // The samples, paired as complex values (even = real, odd = imaginary).
  complex_fft(input, n, work);
  const ComplexQ15 dc = divide(work[0], 2);
  output[0] = {wrap16(dc.re + dc.im), 0};
  output[n] = {wrap16(dc.re - dc.im), 0};
  for (int32_t k = 1; k <= n / 2; ++k) {
    const ComplexQ15 mirrored = {work[n - k].re, wrap16(-work[n - k].im)};
    const ComplexQ15 a = divide(work[k], 2);
    const ComplexQ15 b = divide(mirrored, 2);
    const ComplexQ15 sum = add(a, b);
    const ComplexQ15 twisted = multiply(sub(a, b), rfft_split_twiddle_q15(k - 1, n));
    // At k = n / 2 both writes hit the same bin; the second one stands, as in kissfft.
    output[k] = {wrap16((sum.re + twisted.re) >> 1), wrap16((sum.im + twisted.im) >> 1)};
    output[n - k] = {wrap16((sum.re - twisted.re) >> 1), wrap16((twisted.im - sum.im) >> 1)};
  }
}

}  // namespace tinyforge
