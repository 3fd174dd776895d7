// Softmax of Q16 logits in integers only: exp by range reduction to (-ln 2, 0] and a Taylor series
// in Q30, so the host and every board compute the same probabilities bit for bit (libm's exp
// differs between glibc and newlib).
#include "tinyforge/postprocess.h"

namespace tinyforge {
namespace {

constexpr int64_t kOneQ30 = int64_t{1} << 30;
constexpr int64_t kLn2Q30 = 744261118;  // ln 2 * 2^30, rounded
// Below this (Q16) exp is under 2^-31 of the largest term: it rounds to nothing in Q30.
constexpr int64_t kSmallestExponentQ16 = -22 * 65536;

// Products of Q30 values, truncated toward zero (well defined for negatives, unlike >>).
int64_t multiply_q30(int64_t a, int64_t b) { return a * b / kOneQ30; }

// exp(x) in Q30 for x <= 0 given in Q16.
int64_t exp_nonpositive_q30(int64_t x_q16) {
  if (x_q16 < kSmallestExponentQ16) return 0;
  const int64_t x = x_q16 * (int64_t{1} << 14);  // Q30
  const int64_t halvings = -x / kLn2Q30;         // x = r - halvings * ln 2
  const int64_t r = x + halvings * kLn2Q30;      // in (-ln 2, 0]
  int64_t term = kOneQ30;
  int64_t sum = kOneQ30;
  for (int n = 1; n <= 12; ++n) {  // |r|^13 / 13! < 2^-34
    term = multiply_q30(term, r) / n;
    sum += term;
  }
  return sum / (int64_t{1} << halvings);
}

}  // namespace

void softmax_q16(const int32_t* logits, int count, int32_t* probabilities) {
  if (count <= 0) return;
  int32_t largest = logits[0];
  for (int i = 1; i < count; ++i) largest = logits[i] > largest ? logits[i] : largest;
  // The exponentials (Q30, at most 1.0: they fit int32) wait in `probabilities`; in place, each
  // logit is read before its slot is written.
  int64_t total = 0;
  for (int i = 0; i < count; ++i) {
    const int64_t e = exp_nonpositive_q30(static_cast<int64_t>(logits[i]) - largest);
    probabilities[i] = static_cast<int32_t>(e);
    total += e;
  }
  // total >= 1.0 (the largest logit's term), so the division is safe and each share <= 1.0.
  for (int i = 0; i < count; ++i) {
    probabilities[i] =
        static_cast<int32_t>((int64_t{probabilities[i]} * kScoreOne + total / 2) / total);
  }
}

}  // namespace tinyforge
