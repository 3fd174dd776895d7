// The audio frontend's building blocks (runtime/src/signal, runtime/src/kernels/signal): twiddles
// and the fixed-point real FFT against kissfft's own formulas and recursion, the integer math
// against exact references, the FlexBuffers options reader on real and hostile bytes, and each
// kernel's checks and arithmetic through a one-operator model. micro_speech_test.cc holds the
// end-to-end byte comparison with TFLite Micro.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>

#include <flatbuffers/flexbuffers.h>

#include "signal/flexbuffer_map.h"
#include "signal/integer_math.h"
#include "signal/rfft_q15.h"
#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {
namespace {

// ---- kissfft's fixed-point FFT, written out the way kissfft structures it -------------------

// kissfft's twiddle rounding: floor(0.5 + 32767 * cos/sin(phase)) computed in double.
ComplexQ15 kiss_twiddle(double phase) {
  return {static_cast<int16_t>(std::floor(0.5 + 32767.0 * std::cos(phase))),
          static_cast<int16_t>(std::floor(0.5 + 32767.0 * std::sin(phase)))};
}

TEST(SignalTwiddles, MatchKissfftForEverySupportedLength) {
  const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
  for (int32_t n = 2; n <= kMaxRfftLength / 2; n *= 2) {
    for (int32_t k = 0; k < n; ++k) {
      const ComplexQ15 want = kiss_twiddle(-2 * pi * k / n);
      const ComplexQ15 got = fft_twiddle_q15(k, n);
      ASSERT_EQ(got.re, want.re) << "n " << n << " k " << k;
      ASSERT_EQ(got.im, want.im) << "n " << n << " k " << k;
    }
    for (int32_t k = 0; k < n / 2; ++k) {
      const ComplexQ15 want =
          kiss_twiddle(-3.14159265358979323846264338327 * (static_cast<double>(k + 1) / n + .5));
      const ComplexQ15 got = rfft_split_twiddle_q15(k, n);
      ASSERT_EQ(got.re, want.re) << "split n " << n << " k " << k;
      ASSERT_EQ(got.im, want.im) << "split n " << n << " k " << k;
    }
  }
}

int16_t kround(int32_t x) { return static_cast<int16_t>((x + (1 << 14)) >> 15); }
ComplexQ15 kdiv(ComplexQ15 c, int radix) {
  return {kround(c.re * (32767 / radix)), kround(c.im * (32767 / radix))};
}
ComplexQ15 kmul(ComplexQ15 a, ComplexQ15 b) {
  return {kround(a.re * b.re - a.im * b.im), kround(a.re * b.im + a.im * b.re)};
}

// kissfft's kf_work: recursive decimation in time over the factors, butterflies after the
// sub-transforms, twiddles from a table built with its formula.
struct KissReference {
  int32_t n;
  std::vector<int> factors;  // radix, remaining length pairs
  std::vector<ComplexQ15> twiddles;

  explicit KissReference(int32_t length) : n(length) {
    const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
    for (int32_t k = 0; k < n; ++k) twiddles.push_back(kiss_twiddle(-2 * pi * k / n));
    int32_t rest = n, p = 4;
    while (rest > 1) {
      while (rest % p != 0) p = p == 4 ? 2 : p + 1;
      rest /= p;
      factors.push_back(p);
      factors.push_back(rest);
    }
  }

  void work(ComplexQ15* out, const ComplexQ15* in, size_t stride, size_t level) const {
    const int p = factors[level], m = factors[level + 1];
    if (m == 1) {
      for (int q = 0; q < p; ++q) out[q] = in[q * stride];
    } else {
      for (int q = 0; q < p; ++q) work(out + q * m, in + q * stride, stride * p, level + 2);
    }
    for (int k = 0; k < m; ++k) {
      if (p == 2) {
        ComplexQ15& a = out[k];
        ComplexQ15& b = out[k + m];
        a = kdiv(a, 2);
        b = kdiv(b, 2);
        const ComplexQ15 t = kmul(b, twiddles[k * stride]);
        b = {static_cast<int16_t>(a.re - t.re), static_cast<int16_t>(a.im - t.im)};
        a = {static_cast<int16_t>(a.re + t.re), static_cast<int16_t>(a.im + t.im)};
        continue;
      }
      ComplexQ15* f = out + k;
      for (int j = 0; j < 4; ++j) f[j * m] = kdiv(f[j * m], 4);
      const ComplexQ15 s0 = kmul(f[m], twiddles[k * stride]);
      const ComplexQ15 s1 = kmul(f[2 * m], twiddles[2 * k * stride]);
      const ComplexQ15 s2 = kmul(f[3 * m], twiddles[3 * k * stride]);
      const ComplexQ15 s5 = {static_cast<int16_t>(f[0].re - s1.re),
                             static_cast<int16_t>(f[0].im - s1.im)};
      f[0] = {static_cast<int16_t>(f[0].re + s1.re), static_cast<int16_t>(f[0].im + s1.im)};
      const ComplexQ15 s3 = {static_cast<int16_t>(s0.re + s2.re),
                             static_cast<int16_t>(s0.im + s2.im)};
      const ComplexQ15 s4 = {static_cast<int16_t>(s0.re - s2.re),
                             static_cast<int16_t>(s0.im - s2.im)};
      f[2 * m] = {static_cast<int16_t>(f[0].re - s3.re), static_cast<int16_t>(f[0].im - s3.im)};
      f[0] = {static_cast<int16_t>(f[0].re + s3.re), static_cast<int16_t>(f[0].im + s3.im)};
      f[m] = {static_cast<int16_t>(s5.re + s4.im), static_cast<int16_t>(s5.im - s4.re)};
      f[3 * m] = {static_cast<int16_t>(s5.re - s4.im), static_cast<int16_t>(s5.im + s4.re)};
    }
  }
};

// kissfft's kiss_fftr on top of the reference complex FFT.
std::vector<ComplexQ15> kiss_rfft(const std::vector<int16_t>& samples) {
  const int32_t n = static_cast<int32_t>(samples.size()) / 2;
  const KissReference fft(n);
  std::vector<ComplexQ15> in(n), tmp(n), out(n + 1);
  for (int32_t i = 0; i < n; ++i) in[i] = {samples[2 * i], samples[2 * i + 1]};
  fft.work(tmp.data(), in.data(), 1, 0);
  const ComplexQ15 dc = kdiv(tmp[0], 2);
  out[0] = {static_cast<int16_t>(dc.re + dc.im), 0};
  out[n] = {static_cast<int16_t>(dc.re - dc.im), 0};
  for (int32_t k = 1; k <= n / 2; ++k) {
    const ComplexQ15 fpk = kdiv(tmp[k], 2);
    const ComplexQ15 fpnk = kdiv({tmp[n - k].re, static_cast<int16_t>(-tmp[n - k].im)}, 2);
    const ComplexQ15 f1 = {static_cast<int16_t>(fpk.re + fpnk.re),
                           static_cast<int16_t>(fpk.im + fpnk.im)};
    const ComplexQ15 f2 = {static_cast<int16_t>(fpk.re - fpnk.re),
                           static_cast<int16_t>(fpk.im - fpnk.im)};
    const ComplexQ15 tw = kmul(
        f2, kiss_twiddle(-3.14159265358979323846264338327 * (static_cast<double>(k) / n + .5)));
    out[k] = {static_cast<int16_t>((f1.re + tw.re) >> 1),
              static_cast<int16_t>((f1.im + tw.im) >> 1)};
    out[n - k] = {static_cast<int16_t>((f1.re - tw.re) >> 1),
                  static_cast<int16_t>((tw.im - f1.im) >> 1)};
  }
  return out;
}

TEST(SignalRfft, ByteIdenticalToKissfftsRecursionAtEveryLength) {
  std::mt19937 rng(7);
  for (int32_t length = kMinRfftLength; length <= kMaxRfftLength; length *= 2) {
    for (int amplitude : {32767, 3000, 40}) {
      std::uniform_int_distribution<int> sample(-amplitude - (amplitude == 32767), amplitude);
      std::vector<int16_t> x(length);
      for (auto& v : x) v = static_cast<int16_t>(sample(rng));
      std::vector<ComplexQ15> work(length / 2), got(length / 2 + 1);
      rfft_q15(x.data(), length, work.data(), got.data());
      const std::vector<ComplexQ15> want = kiss_rfft(x);
      for (int32_t k = 0; k <= length / 2; ++k) {
        ASSERT_EQ(got[k].re, want[k].re) << "length " << length << " bin " << k;
        ASSERT_EQ(got[k].im, want[k].im) << "length " << length << " bin " << k;
      }
    }
  }
}

TEST(SignalRfft, ApproximatesTheScaledDft) {
  // Each radix stage divides by its radix, so the output is the DFT / length (kissfft's scaling).
  constexpr int32_t kLength = 512;
  std::vector<int16_t> x(kLength);
  for (int32_t i = 0; i < kLength; ++i)
    x[i] = static_cast<int16_t>(12000 * std::sin(2 * M_PI * 37 * i / kLength) +
                                5000 * std::cos(2 * M_PI * 101 * i / kLength));
  std::vector<ComplexQ15> work(kLength / 2), got(kLength / 2 + 1);
  rfft_q15(x.data(), kLength, work.data(), got.data());
  for (int32_t k = 0; k <= kLength / 2; ++k) {
    std::complex<double> sum = 0;
    for (int32_t i = 0; i < kLength; ++i)
      sum += std::polar(double(x[i]), -2 * M_PI * k * i / kLength);
    sum /= kLength;
    EXPECT_NEAR(got[k].re, sum.real(), 3.0) << "bin " << k;
    EXPECT_NEAR(got[k].im, sum.imag(), 3.0) << "bin " << k;
  }
  EXPECT_NEAR(got[37].im, -6000, 3);
  EXPECT_NEAR(got[101].re, 2500, 3);
}

// ---- integer math ---------------------------------------------------------------------------

uint64_t rounded_root(uint64_t x) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<long double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return x - r * r > r ? r + 1 : r;  // the remainder exceeds the root: round up
}

TEST(SignalIntegerMath, SquareRootsRoundToNearest) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t x = static_cast<uint32_t>(rng()) >> (rng() % 32);
    const uint64_t want = std::min<uint64_t>(rounded_root(x), 0xFFFF);
    ASSERT_EQ(isqrt_rounded32(x), want) << x;
  }
  for (int i = 0; i < 200000; ++i) {
    const uint64_t x = (rng() >> (rng() % 30)) | (uint64_t{1} << 32);
    ASSERT_EQ(isqrt_rounded64(x), std::min<uint64_t>(rounded_root(x), 0xFFFFFFFFu)) << x;
  }
  EXPECT_EQ(isqrt_rounded32(0), 0);
  EXPECT_EQ(isqrt_rounded32(0xFFFFFFFFu), 0xFFFF);
  EXPECT_EQ(bit_length32(0), 32u);  // TFLM's GCC build: the word width
  EXPECT_EQ(bit_length32(1), 1u);
  EXPECT_EQ(bit_length64(uint64_t{1} << 40), 41u);
}

TEST(SignalIntegerMath, LogIsNaturalLogTimesTheScale) {
  // out_scale * ln(x), within the table's interpolation error.
  for (uint32_t x : {2u, 3u, 10u, 1000u, 65535u, 1u << 20, 123456789u, 0xFFFFFFFFu}) {
    EXPECT_NEAR(log_scaled(x, 64), 64 * std::log(static_cast<double>(x)), 1.0) << x;
    EXPECT_NEAR(log_scaled(x, 1000), 1000 * std::log(static_cast<double>(x)), 4.0) << x;
  }
  // Monotonic up to the steps TFLM's table takes back at segment edges where the correction falls
  // (up to 140/65536 of a bit: 4 units at this scale).
  uint32_t previous = 0;
  for (uint32_t x = 2; x < 10000000; x += 997) {
    const uint32_t v = log_scaled(x, 2000);
    ASSERT_GE(v + 4, previous) << x;
    previous = v;
  }
}

// ---- FlexBuffers options --------------------------------------------------------------------

std::vector<uint8_t> flex_map(const std::function<void(flexbuffers::Builder&)>& fill) {
  flexbuffers::Builder fbb;
  fbb.Map([&]() { fill(fbb); });
  fbb.Finish();
  return fbb.GetBuffer();
}

TEST(SignalOptions, ReadsIntegersAndBooleansByKey) {
  const std::vector<uint8_t> bytes = flex_map([](flexbuffers::Builder& b) {
    b.Int("small", -3);
    b.Int("wide", 1234567890123);
    b.UInt("unsigned", 70000);
    b.Bool("flag", true);
    b.Float("real", 1.5f);
  });
  FlexbufferMap map;
  ASSERT_TRUE(map.parse(bytes.data(), bytes.size()));
  EXPECT_EQ(map.size(), 5);
  int64_t v;
  ASSERT_TRUE(map.get_int("small", &v));
  EXPECT_EQ(v, -3);
  ASSERT_TRUE(map.get_int("wide", &v));
  EXPECT_EQ(v, 1234567890123);
  ASSERT_TRUE(map.get_int("unsigned", &v));
  EXPECT_EQ(v, 70000);
  bool flag = false;
  ASSERT_TRUE(map.get_bool("flag", &flag));
  EXPECT_TRUE(flag);
  int32_t narrow;
  EXPECT_FALSE(map.get_int32("wide", &narrow));  // does not fit
  EXPECT_FALSE(map.get_int("real", &v));         // not an integer
  EXPECT_FALSE(map.get_int("absent", &v));
  EXPECT_FALSE(map.has("smal"));
}

TEST(SignalOptions, ReadsTheOptionsTfliteWroteInAudioPreprocessor) {
  // SignalEnergy's and SignalFilterBankLog's options as TFLite's converter wrote them.
  const std::vector<uint8_t> energy = {
      0x65, 0x6e, 0x64, 0x5f, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x00, 0x73, 0x74, 0x61, 0x72,
      0x74, 0x5f, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x00, 0x02, 0x17, 0x0e, 0x00, 0x03, 0x00,
      0x01, 0x00, 0x02, 0x00, 0xf1, 0x00, 0x05, 0x00, 0x05, 0x05, 0x06, 0x25, 0x01};
  FlexbufferMap map;
  ASSERT_TRUE(map.parse(energy.data(), energy.size()));
  int32_t start = 0, end = 0;
  ASSERT_TRUE(map.get_int32("start_index", &start));
  ASSERT_TRUE(map.get_int32("end_index", &end));
  EXPECT_EQ(start, 5);
  EXPECT_EQ(end, 241);
}

TEST(SignalOptions, HostileBytesAreRefusedNotRead) {
  const std::vector<uint8_t> good = flex_map([](flexbuffers::Builder& b) {
    b.Int("alpha", 1);
    b.Int("beta", 300000);
    b.Bool("gamma", false);
  });
  FlexbufferMap map;
  EXPECT_FALSE(map.parse(nullptr, 0));
  EXPECT_FALSE(map.parse(good.data(), 2));
  // Every truncation and every single-byte change either parses or is refused; lookups after a
  // successful parse stay inside the buffer (the fuzz build checks that with ASan).
  for (size_t length = 0; length < good.size(); ++length) {
    std::vector<uint8_t> cut(good.end() - static_cast<std::ptrdiff_t>(length), good.end());
    if (map.parse(cut.data(), cut.size())) {
      int64_t v;
      map.get_int("alpha", &v);
      map.get_int("beta", &v);
    }
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      if (map.parse(bad.data(), bad.size())) {
        int64_t v;
        map.get_int("alpha", &v);
        map.get_int("gamma", &v);
      }
    }
  }
  const std::vector<uint8_t> vector_root = [] {
    flexbuffers::Builder b;
    b.Vector([&]() { b.Int(1); });
    b.Finish();
    return b.GetBuffer();
  }();
  EXPECT_FALSE(map.parse(vector_root.data(), vector_root.size()));
}

// ---- kernels through one-operator models ----------------------------------------------------

RunResult run_one(ModelBuilder& b, const std::vector<std::vector<uint8_t>>& inputs,
                  int invocations = 1) {
  return run_model(b.finish(), inputs, invocations);
}

TEST(SignalKernels, WindowMultipliesShiftsAndSaturates) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kInt16, {2, 3});
  const int window = b.add_constant<int16_t>(DataType::kInt16, {3}, {4096, 8192, 32767});
  const int out = b.add_tensor(DataType::kInt16, {2, 3});
  b.add_custom_op("SignalWindow", {in, window}, {out},
                  flex_map([](flexbuffers::Builder& f) { f.Int("shift", 12); }));
  const RunResult r = run_one(b, {to_bytes<int16_t>({100, -100, 32767, -32768, 30000, 7})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(from_bytes<int16_t>(r.outputs[0]),
            (std::vector<int16_t>{100, -200, 32767, -32768, 32767, 55}));
}

TEST(SignalKernels, OptionsAndShapesAreChecked) {
  struct Case {
    const char* op;
    std::vector<uint8_t> options;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"SignalWindow", flex_map([](flexbuffers::Builder& f) { f.Int("shift", 40); }),
       "'shift' is 40"},
      {"SignalWindow", {}, "not a FlexBuffers map"},
      {"SignalWindow", flex_map([](flexbuffers::Builder& f) { f.Int("shifts", 1); }),
       "'shift' is missing"},
  };
  for (const Case& c : cases) {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt16, {4});
    const int window = b.add_constant<int16_t>(DataType::kInt16, {4}, {1, 2, 3, 4});
    const int out = b.add_tensor(DataType::kInt16, {4});
    b.add_custom_op(c.op, {in, window}, {out}, c.options);
    const LoadResult r = load_model(b.finish());
    EXPECT_NE(r.status, Status::kOk) << c.words;
    EXPECT_NE(r.message.find(c.words), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(c.op), std::string::npos) << r.message;
  }
  // A window that does not divide the input, an int8 input, an unknown signal op.
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt16, {5});
    const int window = b.add_constant<int16_t>(DataType::kInt16, {2}, {1, 2});
    const int out = b.add_tensor(DataType::kInt16, {5});
    b.add_custom_op("SignalWindow", {in, window}, {out},
                    flex_map([](flexbuffers::Builder& f) { f.Int("shift", 1); }));
    EXPECT_NE(load_model(b.finish()).message.find("does not divide"), std::string::npos);
  }
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt8, {4});
    const int out = b.add_tensor(DataType::kInt16, {4});
    const int scale = b.add_tensor(DataType::kInt32, {});
    b.add_custom_op("SignalFftAutoScale", {in}, {out, scale});
    EXPECT_NE(load_model(b.finish()).message.find("input must be int16, got int8"),
              std::string::npos);
  }
  {
    ModelBuilder b;
    const int in = b.add_input(DataType::kInt16, {4});
    const int out = b.add_tensor(DataType::kInt16, {4});
    b.add_custom_op("SignalOverlapAddition", {in}, {out});
    const LoadResult r = load_model(b.finish());
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("'SignalOverlapAddition' is not supported"), std::string::npos)
        << r.message;
  }
}

TEST(SignalKernels, FftAutoScaleShiftsToTheLargestMagnitude) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kInt16, {4});
  const int out = b.add_tensor(DataType::kInt16, {4});
  const int shift = b.add_tensor(DataType::kInt32, {});
  b.add_custom_op("SignalFftAutoScale", {in}, {out, shift});
  b.add_output(out);
  b.add_output(shift);
  RunResult r = run_one(b, {to_bytes<int16_t>({3, -200, 17, 0})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // 200 needs 8 bits: shift by 16 - 8 - 1 = 7.
  EXPECT_EQ(from_bytes<int16_t>(r.outputs[0]), (std::vector<int16_t>{384, -25600, 2176, 0}));
  EXPECT_EQ(from_bytes<int32_t>(r.outputs[1]), std::vector<int32_t>{7});
}

TEST(SignalKernels, RfftKernelPadsEachFrame) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kInt16, {2, 6});
  const int out = b.add_tensor(DataType::kInt16, {2, 10});
  b.add_custom_op("SignalRfft", {in}, {out}, flex_map([](flexbuffers::Builder& f) {
                    f.Int("T", 7);
                    f.Int("fft_length", 8);
                  }));
  const std::vector<int16_t> x = {1000, -2000, 3000, 400, -50, 6000, 7, 8, 9, 10, 11, 12};
  const RunResult r = run_one(b, {to_bytes(x)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const auto got = from_bytes<int16_t>(r.outputs[0]);
  for (int frame = 0; frame < 2; ++frame) {
    std::vector<int16_t> padded(x.begin() + 6 * frame, x.begin() + 6 * frame + 6);
    padded.resize(8, 0);
    const auto want = kiss_rfft(padded);
    for (int k = 0; k < 5; ++k) {
      EXPECT_EQ(got[frame * 10 + 2 * k], want[k].re) << frame << " " << k;
      EXPECT_EQ(got[frame * 10 + 2 * k + 1], want[k].im) << frame << " " << k;
    }
  }
}

TEST(SignalKernels, SpectralSubtractionKeepsStateUntilReset) {
  auto build = [] {
    ModelBuilder b;
    const int in = b.add_input(DataType::kUInt32, {2});
    const int out = b.add_tensor(DataType::kUInt32, {2});
    const int noise = b.add_tensor(DataType::kUInt32, {2});
    b.add_custom_op("SignalFilterBankSpectralSubtraction", {in}, {out, noise},
                    flex_map([](flexbuffers::Builder& f) {
                      f.Int("alternate_one_minus_smoothing", 15401);
                      f.Int("alternate_smoothing", 983);
                      f.Bool("clamping", false);
                      f.Int("min_signal_remaining", 819);
                      f.Int("num_channels", 2);
                      f.Int("one_minus_smoothing", 15975);
                      f.Int("smoothing", 409);
                      f.Int("smoothing_bits", 10);
                      f.Int("spectral_subtraction_bits", 14);
                    }));
    b.add_output(out);
    b.add_output(noise);
    return b.finish();
  };
  const auto input = to_bytes<uint32_t>({1000, 1000});
  const RunResult once = run_model(build(), {input}, 1);
  const RunResult twice = run_model(build(), {input}, 2);
  ASSERT_EQ(once.status, Status::kOk) << once.message;
  // First window: noise = (1000 << 10) * smoothing >> 14; output = signal - noise, floored.
  const uint32_t even = (1000u << 10) * 409u >> 14, odd = (1000u << 10) * 983u >> 14;
  EXPECT_EQ(from_bytes<uint32_t>(once.outputs[1]), (std::vector<uint32_t>{even, odd}));
  EXPECT_EQ(from_bytes<uint32_t>(once.outputs[0]),
            (std::vector<uint32_t>{((1000u << 10) - even) >> 10, ((1000u << 10) - odd) >> 10}));
  // The second invoke starts from the first one's estimate, so it subtracts more.
  const auto second = from_bytes<uint32_t>(twice.outputs[1]);
  EXPECT_GT(second[0], even);
  EXPECT_GT(second[1], odd);
}

TEST(SignalKernels, FilterBankRefusesFiltersOutsideTheSpectrum) {
  ModelBuilder b;
  const int spectrum = b.add_input(DataType::kUInt32, {8});
  const int weights = b.add_constant<int16_t>(DataType::kInt16, {4}, {4096, 2048, 1024, 0});
  const int unweights = b.add_constant<int16_t>(DataType::kInt16, {4}, {0, 2048, 3072, 4096});
  const int starts = b.add_constant<int16_t>(DataType::kInt16, {2}, {0, 6});
  const int weight_starts = b.add_constant<int16_t>(DataType::kInt16, {2}, {0, 0});
  const int widths = b.add_constant<int16_t>(DataType::kInt16, {2}, {2, 4});  // 6 + 4 > 8
  const int out = b.add_tensor(DataType::kUInt64, {1});
  b.add_custom_op("SignalFilterBank", {spectrum, weights, unweights, starts, weight_starts, widths},
                  {out}, flex_map([](flexbuffers::Builder& f) { f.Int("num_channels", 1); }));
  const LoadResult r = load_model(b.finish());
  EXPECT_EQ(r.status, Status::kMalformedModel);
  EXPECT_NE(r.message.find("filter 1 reaches outside"), std::string::npos) << r.message;
}

TEST(SignalKernels, FilterBankAccumulatesRisingAndFallingEdges) {
  ModelBuilder b;
  const int spectrum = b.add_input(DataType::kUInt32, {6});
  const int weights = b.add_constant<int16_t>(DataType::kInt16, {4}, {4096, 2048, 1024, 3000});
  const int unweights = b.add_constant<int16_t>(DataType::kInt16, {4}, {0, 2048, 3072, 1096});
  const int starts = b.add_constant<int16_t>(DataType::kInt16, {3}, {0, 1, 3});
  const int weight_starts = b.add_constant<int16_t>(DataType::kInt16, {3}, {0, 1, 3});
  const int widths = b.add_constant<int16_t>(DataType::kInt16, {3}, {1, 2, 1});
  const int out = b.add_tensor(DataType::kUInt64, {2});
  b.add_custom_op("SignalFilterBank", {spectrum, weights, unweights, starts, weight_starts, widths},
                  {out}, flex_map([](flexbuffers::Builder& f) { f.Int("num_channels", 2); }));
  const RunResult r = run_one(b, {to_bytes<uint32_t>({10, 20, 30, 40, 50, 60})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // Channel 0: bins 1..2 weighted + bin 0 unweighted; channel 1: bin 3 weighted + bins 1..2
  // unweighted.
  const uint64_t c0 = 0 * 10 + 2048 * 20 + 1024 * 30;
  const uint64_t c1 = 2048 * 20 + 3072 * 30 + 3000 * 40;
  EXPECT_EQ(from_bytes<uint64_t>(r.outputs[0]), (std::vector<uint64_t>{c0, c1}));
}

TEST(SignalKernels, LogOfChannelsSaturatesAndZeroesTheSmallest) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kUInt32, {4});
  const int out = b.add_tensor(DataType::kInt16, {4});
  b.add_custom_op("SignalFilterBankLog", {in}, {out}, flex_map([](flexbuffers::Builder& f) {
                    f.Int("input_correction_bits", 3);
                    f.Int("output_scale", 64);
                  }));
  const RunResult r = run_one(b, {to_bytes<uint32_t>({0, 1000, 0xFFFFFFFFu, 100000})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const auto got = from_bytes<int16_t>(r.outputs[0]);
  EXPECT_EQ(got[0], 0);
  EXPECT_NEAR(got[1], 64 * std::log(8000.0), 1.5);
  // 0xFFFFFFFF << 3 wraps to 0xFFFFFFF8 (TFLM's uint32 shift), whose log stays below int16's max.
  EXPECT_NEAR(got[2], 64 * std::log(4294967288.0), 1.5);
  EXPECT_NEAR(got[3], 64 * std::log(800000.0), 1.5);
}

TEST(CastKernel, ConvertsWrapsAndSaturatesAsDocumented) {
  auto cast = [](DataType from, DataType to, std::vector<uint8_t> bytes, int n) {
    ModelBuilder b;
    const int in = b.add_input(from, {n});
    const int out = b.add_tensor(to, {n});
    b.add_op(tflite::BuiltinOperator::CAST, {in}, {out});
    return run_model(b.finish(), {std::move(bytes)});
  };
  RunResult r = cast(DataType::kInt32, DataType::kInt8, to_bytes<int32_t>({-129, 127, 300, -5}), 4);
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(from_bytes<int8_t>(r.outputs[0]), (std::vector<int8_t>{127, 127, 44, -5}));
  r = cast(DataType::kUInt32, DataType::kInt32, to_bytes<uint32_t>({0xFFFFFFFFu, 7}), 2);
  EXPECT_EQ(from_bytes<int32_t>(r.outputs[0]), (std::vector<int32_t>{-1, 7}));
  r = cast(DataType::kInt16, DataType::kInt32, to_bytes<int16_t>({-32768, 5}), 2);
  EXPECT_EQ(from_bytes<int32_t>(r.outputs[0]), (std::vector<int32_t>{-32768, 5}));
  r = cast(DataType::kFloat32, DataType::kInt8,
           to_bytes<float>({-1e9f, 2.9f, -2.9f, std::nanf("")}), 4);
  EXPECT_EQ(from_bytes<int8_t>(r.outputs[0]), (std::vector<int8_t>{-128, 2, -2, 0}));
  r = cast(DataType::kFloat32, DataType::kUInt32, to_bytes<float>({-3.0f, 5e9f}), 2);
  EXPECT_EQ(from_bytes<uint32_t>(r.outputs[0]), (std::vector<uint32_t>{0, 0xFFFFFFFFu}));
  r = cast(DataType::kUInt64, DataType::kFloat32, to_bytes<uint64_t>({uint64_t{1} << 63}), 1);
  EXPECT_EQ(from_bytes<float>(r.outputs[0])[0], 9.223372036854775808e18f);
  r = cast(DataType::kFloat32, DataType::kInt64, to_bytes<float>({1e30f}), 1);
  EXPECT_EQ(from_bytes<int64_t>(r.outputs[0])[0], INT64_MAX);
  r = cast(DataType::kInt8, DataType::kBool, to_bytes<int8_t>({0, -3}), 2);
  EXPECT_EQ(from_bytes<uint8_t>(r.outputs[0]), (std::vector<uint8_t>{0, 1}));
  r = cast(DataType::kFloat16, DataType::kInt8, std::vector<uint8_t>(2), 1);
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("cannot cast float16 to int8"), std::string::npos) << r.message;
}

TEST(DivKernel, Int32TruncatesAndDefinesTheUndefined) {
  ModelBuilder b;
  const int x = b.add_input(DataType::kInt32, {5});
  const int y = b.add_constant<int32_t>(DataType::kInt32, {5}, {3, 3, 0, -1, 666});
  const int out = b.add_tensor(DataType::kInt32, {5});
  b.add_op(tflite::BuiltinOperator::DIV, {x, y}, {out});
  const RunResult r = run_model(b.finish(), {to_bytes<int32_t>({7, -7, 5, INT32_MIN, 100000})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(from_bytes<int32_t>(r.outputs[0]), (std::vector<int32_t>{2, -2, 0, INT32_MAX, 150}));
}

}  // namespace
}  // namespace tinyforge::testing
