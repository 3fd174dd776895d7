// The motion frontend (TinyforgeMotionFilter, TinyforgeMotionFeatures; runtime/src/signal/
// motion_features.h): its libm-free math, float FFT and Butterworth filter against double-precision
// references, every feature against a direct reference written here, option and shape validation,
// and the same output bytes on the emulated Cortex-M boards as on the host.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <iostream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <flatbuffers/flexbuffers.h>

#include "signal/biquad.h"
#include "signal/deterministic_math.h"
#include "signal/flexbuffer_map.h"
#include "signal/motion_features.h"
#include "signal/rfft_f32.h"
#include "tests/support/model_builder.h"
#include "tests/support/require_qemu.h"
#include "tests/support/run_model.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = std::numbers::pi;

using FlexFill = std::function<void(flexbuffers::Builder&)>;

std::vector<uint8_t> flex_map(const FlexFill& fill) {
  flexbuffers::Builder fb;
  fb.Map([&] { fill(fb); });
  fb.Finish();
  return fb.GetBuffer();
}

// The options of one TinyforgeMotionFeatures operator, as the toolkit would write them.
struct Config {
  double sample_rate = 100;
  int filter = 0;  // 0 none, 1 low, 2 high
  double cutoff_hz = 0;
  int filter_init = 1;
  bool mean = false, rms = false, std = false, p2p = false;
  int fft_length = 0;
  int fft_window = 1;
  int fft_bins = 0;
  int peaks = 0;

  int per_axis() const { return motion_features_per_axis({mean, rms, std, p2p, fft_bins, peaks}); }
  std::vector<uint8_t> options() const {
    return flex_map([&](flexbuffers::Builder& fb) {
      fb.Float("sample_rate", static_cast<float>(sample_rate));
      fb.Int("filter", filter);
      if (filter != 0) fb.Float("cutoff_hz", static_cast<float>(cutoff_hz));
      fb.Int("filter_init", filter_init);
      fb.Bool("mean", mean);
      fb.Bool("rms", rms);
      fb.Bool("std", std);
      fb.Bool("p2p", p2p);
      if (fft_length != 0) fb.Int("fft_length", fft_length);
      fb.Int("fft_window", fft_window);
      fb.Int("fft_bins", fft_bins);
      fb.Int("peaks", peaks);
    });
  }
};

// A one-operator model: float32 [window, axes] (or [1, window, axes]) in, `outputs` floats out.
std::vector<uint8_t> one_op_model(const std::string& op, int window, int axes, int outputs,
                                  std::vector<uint8_t> options, bool batch_dim = false) {
  ModelBuilder b;
  std::vector<int32_t> shape = {window, axes};
  if (batch_dim) shape.insert(shape.begin(), 1);
  const int in = b.add_input(DataType::kFloat32, shape);
  const int out = b.add_tensor(
      DataType::kFloat32, op == "TinyforgeMotionFilter" ? shape : std::vector<int32_t>{outputs});
  b.add_custom_op(op, {in}, {out}, std::move(options));
  return b.finish();
}

std::vector<float> run_features(const Config& c, const std::vector<float>& window, int axes,
                                bool batch_dim = false) {
  const int samples = static_cast<int>(window.size()) / axes;
  const RunResult r = run_model(one_op_model("TinyforgeMotionFeatures", samples, axes,
                                             axes * c.per_axis(), c.options(), batch_dim),
                                {to_bytes(window)});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  if (r.outputs.empty()) return {};
  return from_bytes<float>(r.outputs[0]);
}

// ---- double-precision references ----

struct BiquadRef {
  double b0, b1, b2, a1, a2, dc_gain;
};

BiquadRef butterworth_ref(int kind, double cutoff, double rate) {
  const double k = std::tan(kPi * cutoff / rate), k2 = k * k, q = std::sqrt(2.0);
  const double norm = 1 / (1 + q * k + k2);
  const double a1 = 2 * (k2 - 1) * norm, a2 = (1 - q * k + k2) * norm;
  if (kind == 1) return {k2 * norm, 2 * k2 * norm, k2 * norm, a1, a2, 1};
  return {norm, -2 * norm, norm, a1, a2, 0};
}

std::vector<double> filter_ref(const BiquadRef& f, const std::vector<double>& x, bool steady) {
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  if (steady && !x.empty()) x1 = x2 = x[0], y1 = y2 = f.dc_gain * x[0];
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    y[i] = f.b0 * x[i] + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1, x1 = x[i], y2 = y1, y1 = y[i];
  }
  return y;
}

// |H| of the bilinear-transformed Butterworth biquad at `f` Hz.
double butterworth_gain(int kind, double f, double cutoff, double rate) {
  const double ratio = std::tan(kPi * f / rate) / std::tan(kPi * cutoff / rate);
  const double r4 = std::pow(kind == 1 ? ratio : 1 / ratio, 4);
  return 1 / std::sqrt(1 + r4);
}

// One-sided bin energies of the documented spectrum, by a direct DFT.
std::vector<double> energies_ref(const Config& c, const std::vector<double>& y) {
  const int n = c.fft_length, used = std::min<int>(static_cast<int>(y.size()), n), half = n / 2;
  const double* seg = y.data() + y.size() - used;
  double mean = 0;
  for (int i = 0; i < used; ++i) mean += seg[i];
  mean /= used;
  std::vector<double> frame(n, 0.0);
  double window_power = 0;
  for (int i = 0; i < used; ++i) {
    const double w = c.fft_window ? 0.5 - 0.5 * std::cos(2 * kPi * i / used) : 1.0;
    frame[i] = (seg[i] - mean) * w;
    window_power += w * w;
  }
  std::vector<double> e(half + 1);
  for (int k = 0; k <= half; ++k) {
    std::complex<double> x = 0;
    for (int i = 0; i < n; ++i) x += frame[i] * std::polar(1.0, -2 * kPi * k * i / n);
    e[k] = (k == 0 || k == half ? 1 : 2) * std::norm(x) / (n * window_power);
  }
  return e;
}

struct PeakRef {
  double frequency, height, energy;
};

std::vector<PeakRef> peaks_ref(const Config& c, const std::vector<double>& e) {
  const int half = c.fft_length / 2;
  auto log_e = [](double v) { return std::log(v + 1e-10); };
  std::vector<PeakRef> peaks;
  for (int k = 1; k <= half; ++k) {
    if (!(e[k] > e[k - 1]) || (k < half && !(e[k] >= e[k + 1]))) continue;
    double offset = 0, height = log_e(e[k]);
    if (k < half) {
      const double l = log_e(e[k - 1]), m = log_e(e[k]), r = log_e(e[k + 1]);
      const double curvature = l - 2 * m + r;
      if (curvature < 0) {
        offset = std::clamp(0.5 * (l - r) / curvature, -0.5, 0.5);
        height = m - 0.25 * (l - r) * offset;
      }
    }
    peaks.push_back({(k + offset) * c.sample_rate / c.fft_length, height, e[k]});
  }
  std::stable_sort(peaks.begin(), peaks.end(),
                   [](const PeakRef& a, const PeakRef& b) { return a.energy > b.energy; });
  return peaks;
}

// What one output element is, to compare it with the right tolerance.
enum class Kind { kMean, kRms, kStd, kP2p, kBand, kPeakFrequency, kPeakHeight };

struct AxisRef {
  std::vector<double> values;
  std::vector<Kind> kinds;
  double scale = 0;           // max |x| of the raw axis
  double filtered_scale = 0;  // max |y|
  double total_energy = 0;    // sum of the bin energies
  std::vector<PeakRef> peaks;
};

AxisRef features_ref(const Config& c, const std::vector<float>& window, int axes, int axis) {
  AxisRef r;
  const int samples = static_cast<int>(window.size()) / axes;
  std::vector<double> x(samples);
  for (int i = 0; i < samples; ++i) x[i] = window[i * axes + axis];
  for (double v : x) r.scale = std::max(r.scale, std::abs(v));
  const std::vector<double> y =
      c.filter == 0 ? x
                    : filter_ref(butterworth_ref(c.filter, c.cutoff_hz, c.sample_rate), x,
                                 c.filter_init == 1);
  for (double v : y) r.filtered_scale = std::max(r.filtered_scale, std::abs(v));
  auto add = [&](Kind k, double v) {
    r.kinds.push_back(k);
    r.values.push_back(v);
  };
  double sum_x = 0, sum = 0, squares = 0;
  for (int i = 0; i < samples; ++i) sum_x += x[i], sum += y[i], squares += y[i] * y[i];
  const double mean_y = sum / samples;
  double deviations = 0;
  for (double v : y) deviations += (v - mean_y) * (v - mean_y);
  if (c.mean) add(Kind::kMean, sum_x / samples);
  if (c.rms) add(Kind::kRms, std::sqrt(squares / samples));
  if (c.std) add(Kind::kStd, std::sqrt(deviations / samples));
  if (c.p2p)
    add(Kind::kP2p, *std::max_element(y.begin(), y.end()) - *std::min_element(y.begin(), y.end()));
  if (c.fft_bins > 0 || c.peaks > 0) {
    const std::vector<double> e = energies_ref(c, y);
    for (double v : e) r.total_energy += v;
    for (int b = 0; b < c.fft_bins; ++b) {
      double band = 0;
      for (int k = motion_band_start(b, c.fft_bins, c.fft_length);
           k < motion_band_start(b + 1, c.fft_bins, c.fft_length); ++k)
        band += e[k];
      add(Kind::kBand, std::log(band + 1e-10));
    }
    r.peaks = peaks_ref(c, e);
    for (int p = 0; p < c.peaks; ++p) {
      const bool found = p < static_cast<int>(r.peaks.size());
      add(Kind::kPeakFrequency, found ? r.peaks[p].frequency : 0.0);
      add(Kind::kPeakHeight, found ? r.peaks[p].height : std::log(1e-10));
    }
  }
  return r;
}

// Whether peak p's rank is clear in the reference (its energy differs from its neighbours' by
// more than float rounding could change), so the kernel must have picked the same peak.
bool peak_rank_is_clear(const std::vector<PeakRef>& peaks, int p) {
  auto apart = [](double a, double b) { return std::abs(a - b) > 1e-3 * std::max(a, b); };
  if (p >= static_cast<int>(peaks.size())) return true;
  if (p > 0 && !apart(peaks[p - 1].energy, peaks[p].energy)) return false;
  return p + 1 >= static_cast<int>(peaks.size()) || apart(peaks[p].energy, peaks[p + 1].energy);
}

void expect_matches_reference(const Config& c, const std::vector<float>& window, int axes,
                              const std::vector<float>& got, const std::string& what) {
  ASSERT_EQ(static_cast<int>(got.size()), axes * c.per_axis()) << what;
  for (int a = 0; a < axes; ++a) {
    const AxisRef r = features_ref(c, window, axes, a);
    ASSERT_EQ(static_cast<int>(r.values.size()), c.per_axis());
    int peak = 0;
    for (int j = 0; j < c.per_axis(); ++j) {
      const double want = r.values[j], value = got[a * c.per_axis() + j];
      const std::string where =
          what + ", axis " + std::to_string(a) + ", feature " + std::to_string(j);
      switch (r.kinds[j]) {
        case Kind::kMean:
          EXPECT_NEAR(value, want, 1e-5 * r.scale + 1e-30) << where;
          break;
        // A float32 filter carries rounding errors of about 1e-6 of the raw samples' size (an
        // offset such as gravity included) through its feedback: tolerances allow for that.
        case Kind::kRms:
        case Kind::kStd:
        case Kind::kP2p:
          EXPECT_NEAR(value, want, 1e-4 * r.filtered_scale + 2e-5 * r.scale + 1e-30) << where;
          break;
        case Kind::kBand: {
          // As amplitudes (the band's RMS): within 0.1 %, or the filter's error.
          const double got_amplitude = std::sqrt(std::max(0.0, std::exp(value) - 1e-10));
          const double want_amplitude = std::sqrt(std::max(0.0, std::exp(want) - 1e-10));
          EXPECT_NEAR(got_amplitude, want_amplitude, 1e-3 * want_amplitude + 2e-5 * r.scale + 1e-6)
              << where;
          break;
        }
        case Kind::kPeakFrequency:
          if (peak_rank_is_clear(r.peaks, peak) && peak < static_cast<int>(r.peaks.size()) &&
              r.peaks[peak].energy > 1e-4 * r.total_energy) {
            const double bin = c.sample_rate / c.fft_length;
            EXPECT_NEAR(value, want, 0.05 * bin) << where;
          }
          break;
        case Kind::kPeakHeight:
          if (peak_rank_is_clear(r.peaks, peak) && peak < static_cast<int>(r.peaks.size()) &&
              r.peaks[peak].energy > 1e-4 * r.total_energy) {
            EXPECT_NEAR(value, want, 2e-3) << where;
          }
          ++peak;
          break;
      }
    }
  }
}

// `samples` x `axes` of gravity-like offsets, a few sines and noise.
std::vector<float> random_window(std::mt19937& rng, int samples, int axes, double rate) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<float> w(static_cast<size_t>(samples) * axes);
  for (int a = 0; a < axes; ++a) {
    const double offset = 9.81 * u(rng), amplitude = 4 * std::abs(u(rng));
    const double f1 = rate * 0.5 * std::abs(u(rng)), f2 = rate * 0.5 * std::abs(u(rng));
    const double noise = 0.5 * std::abs(u(rng)), phase = kPi * u(rng);
    for (int i = 0; i < samples; ++i) {
      const double t = i / rate;
      w[i * axes + a] =
          static_cast<float>(offset + amplitude * std::sin(2 * kPi * f1 * t + phase) +
                             0.5 * amplitude * std::sin(2 * kPi * f2 * t) + noise * u(rng));
    }
  }
  return w;
}

// ---- the libm-free math ----

TEST(MotionMath, LogIsWithinTwoUlpOfLibm) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits(1, 0x7F7FFFFF);  // every positive finite float
  std::vector<float> xs = {1.0f,       2.0f,
                           0.5f,       1.41421356f,
                           1.4142137f, 0.70710677f,
                           1e-10f,     std::numeric_limits<float>::denorm_min(),
                           1e-40f,     std::numeric_limits<float>::max(),
                           1.0000001f, 0.99999994f};
  for (int i = 0; i < 200000; ++i) xs.push_back(std::bit_cast<float>(bits(rng)));
  for (float x : xs) {
    const double want = std::log(static_cast<double>(x));
    const float got = deterministic_log(x);
    const float w = static_cast<float>(want);
    const double ulp = std::nextafter(std::abs(w), INFINITY) - std::abs(w);
    ASSERT_LE(std::abs(got - want), 2 * ulp) << "log(" << x << ") = " << got << ", want " << want;
  }
  EXPECT_EQ(deterministic_log(1.0f), 0.0f);
  EXPECT_EQ(deterministic_log(0.0f), -INFINITY);
  EXPECT_EQ(deterministic_log(INFINITY), INFINITY);
  EXPECT_EQ(std::bit_cast<uint32_t>(deterministic_log(-1.0f)), 0x7FC00000u);
  EXPECT_EQ(std::bit_cast<uint32_t>(deterministic_log(NAN)), 0x7FC00000u);
}

TEST(MotionMath, SineCosineAndTangentMatchLibm) {
  for (int64_t n : {1, 3, 16, 100, 200, 4096, 1000003}) {
    for (int64_t k = -n; k < 2 * n; k += std::max<int64_t>(1, n / 97)) {
      double s, c;
      sin_cos_of_turn(k, n, &s, &c);
      // The reference angle in long double, so its own rounding stays below the tolerance.
      const long double angle = 2 * std::numbers::pi_v<long double> * k / n;
      ASSERT_NEAR(s, static_cast<double>(std::sin(angle)), 1e-15) << k << "/" << n;
      ASSERT_NEAR(c, static_cast<double>(std::cos(angle)), 1e-15) << k << "/" << n;
    }
  }
  for (double a = 1e-6; a < kPi / 2 - 1e-3; a += 0.001)
    ASSERT_NEAR(deterministic_tan(a), std::tan(a), 4e-15 * std::max(1.0, std::tan(a) * std::tan(a)))
        << a;
}

TEST(MotionMath, FloatFftPowerMatchesDirectDft) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  for (int n = kMinRfftF32Length; n <= kMaxRfftF32Length; n *= 2) {
    std::vector<float> twiddles(n), frame(n), power(n / 2 + 1);
    rfft_f32_twiddles(n, twiddles.data());
    std::vector<double> x(n);
    double energy = 0;
    for (int i = 0; i < n; ++i) {
      frame[i] = normal(rng) + (i % 7 == 0 ? 3.0f : 0.0f);
      x[i] = frame[i];
      energy += x[i] * x[i];
    }
    rfft_f32_power(twiddles.data(), n, frame.data(), power.data());
    // |X| to within 1e-5 of the spectrum's norm (sqrt(n * energy), Parseval).
    const double norm = std::sqrt(n * energy);
    for (int k = 0; k <= n / 2; k += (n > 512 ? 7 : 1)) {
      std::complex<double> want = 0;
      for (int i = 0; i < n; ++i) want += x[i] * std::polar(1.0, -2 * kPi * k * i / n);
      ASSERT_NEAR(std::sqrt(power[k]), std::abs(want), 1e-5 * norm) << "n " << n << " bin " << k;
    }
  }
}

// ---- number options ----

TEST(MotionOptions, NumbersAreReadAsFloatsDoublesOrIntegers) {
  const std::vector<uint8_t> bytes = flex_map([](flexbuffers::Builder& b) {
    b.Float("single", 104.5f);
    b.Double("double", 0.1);
    b.IndirectFloat("indirect_single", -2.25f);
    b.IndirectDouble("indirect_double", 1e300);
    b.Int("integer", -7);
    b.UInt("unsigned", 100000);
    b.Bool("flag", true);
    b.String("text", "12");
  });
  FlexbufferMap map;
  ASSERT_TRUE(map.parse(bytes.data(), bytes.size()));
  double v = 0;
  ASSERT_TRUE(map.get_number("single", &v));
  EXPECT_EQ(v, 104.5);
  ASSERT_TRUE(map.get_number("double", &v));
  EXPECT_EQ(v, 0.1);  // the double's bits, not rounded through float
  ASSERT_TRUE(map.get_number("indirect_single", &v));
  EXPECT_EQ(v, -2.25);
  ASSERT_TRUE(map.get_number("indirect_double", &v));
  EXPECT_EQ(v, 1e300);
  ASSERT_TRUE(map.get_number("integer", &v));
  EXPECT_EQ(v, -7);
  ASSERT_TRUE(map.get_number("unsigned", &v));
  EXPECT_EQ(v, 100000);
  ASSERT_TRUE(map.get_number("flag", &v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(map.get_number("text", &v));
  EXPECT_FALSE(map.get_number("absent", &v));
  // Every single-bit change either fails to parse or reads a number or nothing, within the buffer
  // (the fuzz build checks the bounds with ASan).
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = bytes;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      if (!map.parse(bad.data(), bad.size())) continue;
      for (const char* key : {"single", "double", "indirect_single", "indirect_double", "text"})
        map.get_number(key, &v);
    }
  }
}

// ---- the filter ----

std::vector<float> run_filter(const std::vector<float>& window, int axes, double rate, int kind,
                              double cutoff, int init) {
  const int samples = static_cast<int>(window.size()) / axes;
  const auto options = flex_map([&](flexbuffers::Builder& fb) {
    fb.Float("sample_rate", static_cast<float>(rate));
    fb.Int("filter", kind);
    fb.Float("cutoff_hz", static_cast<float>(cutoff));
    fb.Int("filter_init", init);
  });
  const RunResult r = run_model(one_op_model("TinyforgeMotionFilter", samples, axes, 0, options),
                                {to_bytes(window)});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  return r.outputs.empty() ? std::vector<float>{} : from_bytes<float>(r.outputs.at(0));
}

TEST(MotionFilter, SinesAreAttenuatedAsAButterworthFilter) {
  constexpr double kRate = 100, kCutoff = 5;
  constexpr int kSamples = 2000;
  for (int kind : {1, 2}) {
    for (double f : {0.5, 2.0, 5.0, 10.0, 20.0, 40.0}) {
      // Axis 0: the sine; axis 1: the same plus a constant offset, which the steady start keeps
      // from ringing (high-pass) or passes unchanged (low-pass).
      std::vector<float> w(2 * kSamples);
      for (int i = 0; i < kSamples; ++i) {
        w[2 * i] = static_cast<float>(std::sin(2 * kPi * f * i / kRate));
        w[2 * i + 1] = w[2 * i] + 9.81f;
      }
      const std::vector<float> y = run_filter(w, 2, kRate, kind, kCutoff, 1);
      ASSERT_EQ(y.size(), w.size());
      // The amplitude over the last 2 s (a whole number of periods), long after the transient:
      // the output's projections on sin and cos at f.
      double in_phase = 0, quadrature = 0;
      for (int i = kSamples - 200; i < kSamples; ++i) {
        in_phase += y[2 * i] * std::sin(2 * kPi * f * i / kRate) / 100;
        quadrature += y[2 * i] * std::cos(2 * kPi * f * i / kRate) / 100;
      }
      const double amplitude = std::hypot(in_phase, quadrature);
      const double want = butterworth_gain(kind, f, kCutoff, kRate);
      EXPECT_NEAR(amplitude, want, 1e-3 * want + 1e-5)
          << (kind == 1 ? "low" : "high") << "-pass at " << f << " Hz";
      // The offset: low-pass keeps it, high-pass removes it.
      for (int i = kSamples - 100; i < kSamples; ++i)
        ASSERT_NEAR(y[2 * i + 1] - y[2 * i], kind == 1 ? 9.81 : 0.0, 1e-3) << f << " Hz, " << i;
    }
  }
}

TEST(MotionFilter, MatchesADoublePrecisionBiquadFromEitherStart) {
  std::mt19937 rng(11);
  for (int init : {0, 1}) {
    for (int kind : {1, 2}) {
      const std::vector<float> w = random_window(rng, 300, 3, 50);
      const double cutoff = kind == 1 ? 8 : 0.7;
      const std::vector<float> y = run_filter(w, 3, 50, kind, cutoff, init);
      ASSERT_EQ(y.size(), w.size());
      for (int a = 0; a < 3; ++a) {
        std::vector<double> x(300);
        for (int i = 0; i < 300; ++i) x[i] = w[i * 3 + a];
        const std::vector<double> want =
            filter_ref(butterworth_ref(kind, cutoff, 50), x, init == 1);
        for (int i = 0; i < 300; ++i)
          ASSERT_NEAR(y[i * 3 + a], want[i], 2e-4 * (1 + std::abs(want[i])))
              << "kind " << kind << " init " << init << " axis " << a << " sample " << i;
      }
    }
  }
  // From zero state a constant input rings; from the steady state it stays constant.
  const std::vector<float> constant(200, 9.81f);
  const std::vector<float> zero_start = run_filter(constant, 1, 100, 2, 1, 0);
  const std::vector<float> steady_start = run_filter(constant, 1, 100, 2, 1, 1);
  EXPECT_GT(std::abs(zero_start.at(0)), 9.0f);
  for (float v : steady_start) ASSERT_NEAR(v, 0.0f, 1e-5f);
}

// Two filters in a row: the second's input dies at it, so the planner may run it in place.
TEST(MotionFilter, AChainOfFiltersMatchesTheReferenceInPlace) {
  constexpr int kSamples = 150, kAxes = 4;
  auto filter_options = [](int kind, double cutoff) {
    return flex_map([=](flexbuffers::Builder& fb) {
      fb.Int("sample_rate", 100), fb.Int("filter", kind), fb.Double("cutoff_hz", cutoff);
    });
  };
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {kSamples, kAxes});
  const int low = b.add_tensor(DataType::kFloat32, {kSamples, kAxes});
  const int band = b.add_tensor(DataType::kFloat32, {kSamples, kAxes});
  b.add_custom_op("TinyforgeMotionFilter", {in}, {low}, filter_options(1, 20));
  b.add_custom_op("TinyforgeMotionFilter", {low}, {band}, filter_options(2, 2));
  std::mt19937 rng(21);
  const std::vector<float> w = random_window(rng, kSamples, kAxes, 100);
  const RunResult r = run_model(b.finish(), {to_bytes(w)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // Three windows' worth would mean no filter ran in place.
  EXPECT_LT(r.arena_bytes, 3 * w.size() * sizeof(float));
  const std::vector<float> got = from_bytes<float>(r.outputs.at(0));
  ASSERT_EQ(got.size(), w.size());
  for (int a = 0; a < kAxes; ++a) {
    std::vector<double> x(kSamples);
    for (int i = 0; i < kSamples; ++i) x[i] = w[i * kAxes + a];
    const std::vector<double> want = filter_ref(
        butterworth_ref(2, 2, 100), filter_ref(butterworth_ref(1, 20, 100), x, true), true);
    for (int i = 0; i < kSamples; ++i)
      ASSERT_NEAR(got[i * kAxes + a], want[i], 2e-4 * (1 + std::abs(want[i])))
          << "axis " << a << " sample " << i;
  }
}

TEST(MotionFilter, CoefficientsMatchTheBilinearTransformInDouble) {
  for (int kind : {1, 2}) {
    for (double ratio : {1e-4 * 1.01, 0.001, 0.01, 0.1, 0.2, 0.3, 0.45, 0.4999}) {
      const Biquad got = butterworth_biquad(static_cast<FilterKind>(kind), ratio * 1000, 1000);
      const BiquadRef want = butterworth_ref(kind, ratio * 1000, 1000);
      for (auto [g, w] : {std::pair{got.b0, want.b0},
                          {got.b1, want.b1},
                          {got.b2, want.b2},
                          {got.a1, want.a1},
                          {got.a2, want.a2}})
        EXPECT_EQ(g, static_cast<float>(w)) << "kind " << kind << " fc/fs " << ratio;
    }
  }
}

// ---- the features ----

TEST(MotionFeatures, StatisticsOfKnownSignals) {
  Config c;
  c.mean = c.rms = c.std = c.p2p = true;
  // Axis 0: constant 2; axis 1: +-3 alternating; axis 2: a ramp 0..99; axis 3: 1 + sine.
  constexpr int kSamples = 100;
  std::vector<float> w(4 * kSamples);
  for (int i = 0; i < kSamples; ++i) {
    w[4 * i] = 2;
    w[4 * i + 1] = i % 2 ? 3.0f : -3.0f;
    w[4 * i + 2] = static_cast<float>(i);
    w[4 * i + 3] = static_cast<float>(1 + std::sin(2 * kPi * 5 * i / kSamples));
  }
  const std::vector<float> got = run_features(c, w, 4);
  ASSERT_EQ(got.size(), 16u);
  const double ramp_std = std::sqrt((kSamples * kSamples - 1) / 12.0);
  const double ramp_rms = std::sqrt((kSamples - 1) * (2.0 * kSamples - 1) / 6.0);
  const double want[16] = {
      2, 2, 0, 0, 0, 3, 3, 6, 49.5, ramp_rms, ramp_std, 99, 1, std::sqrt(1.5), std::sqrt(0.5), 2};
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << i;
  // The output layout does not depend on the input's leading 1.
  EXPECT_EQ(run_features(c, w, 4, /*batch_dim=*/true), got);
}

TEST(MotionFeatures, FilteredStatisticsUseTheFilteredSamplesAndTheRawMean) {
  // 1 g of gravity plus a 10 Hz vibration through a 2 Hz high-pass: the mean stays the raw one,
  // RMS and std are the vibration's, attenuated as the filter says (p2p also sees the transient
  // of the sine's start, so only the reference checks it).
  Config c;
  c.sample_rate = 200;
  c.filter = 2;
  c.cutoff_hz = 2;
  c.mean = c.rms = c.std = c.p2p = true;
  std::vector<float> w(400);
  for (int i = 0; i < 400; ++i)
    w[i] = static_cast<float>(9.81 + 0.5 * std::sin(2 * kPi * 10 * i / 200.0));
  const std::vector<float> got = run_features(c, w, 1);
  ASSERT_EQ(got.size(), 4u);
  const double gain = butterworth_gain(2, 10, 2, 200);
  EXPECT_NEAR(got[0], 9.81, 1e-4);
  EXPECT_NEAR(got[1], 0.5 * gain / std::sqrt(2.0), 0.01);
  EXPECT_NEAR(got[2], 0.5 * gain / std::sqrt(2.0), 0.01);
  expect_matches_reference(c, w, 1, got, "gravity + vibration");
}

TEST(MotionFeatures, ASineGivesItsPeakAndBand) {
  Config c;
  c.sample_rate = 100;
  c.fft_length = 256;
  c.fft_bins = 8;
  c.peaks = 2;
  for (int window_kind : {0, 1}) {
    c.fft_window = window_kind;
    for (double f : {3.0, 7.3, 12.5, 21.7, 33.0, 45.1}) {
      std::vector<float> w(256);
      for (int i = 0; i < 256; ++i) w[i] = static_cast<float>(2 * std::sin(2 * kPi * f * i / 100));
      const std::vector<float> got = run_features(c, w, 1);
      ASSERT_EQ(got.size(), 12u);
      // The loudest band is the one holding f (bands of 50 / 8 Hz).
      const int band =
          static_cast<int>(std::max_element(got.begin(), got.begin() + 8) - got.begin());
      EXPECT_EQ(band, static_cast<int>(f / (50.0 / 8))) << f << " Hz";
      // The strongest peak at f to within a tenth of a bin (0.39 Hz) with Hann, a third without.
      EXPECT_NEAR(got[8], f, (window_kind ? 0.1 : 0.3) * 100 / 256) << f << " Hz";
      // On a bin without a window, the peak's energy is the sine's mean square (2 here).
      if (f == 12.5 && window_kind == 0) EXPECT_NEAR(got[9], std::log(2.0), 1e-5);
      expect_matches_reference(c, w, 1, got, std::to_string(f) + " Hz");
    }
  }
}

TEST(MotionFeatures, BandEnergiesAddUpToTheMeanSquare) {
  // Parseval: with no window the bands' energies sum to the variance of the segment.
  Config c;
  c.fft_length = 128;
  c.fft_window = 0;
  c.fft_bins = 5;  // uneven bands
  std::mt19937 rng(5);
  const std::vector<float> w = random_window(rng, 100, 2, 100);  // zero-padded to 128
  const std::vector<float> got = run_features(c, w, 2);
  ASSERT_EQ(got.size(), 10u);
  for (int a = 0; a < 2; ++a) {
    double sum = 0, mean = 0, variance = 0;
    for (int b = 0; b < 5; ++b) sum += std::exp(double{got[a * 5 + b]}) - 1e-10;
    for (int i = 0; i < 100; ++i) mean += w[2 * i + a] / 100.0;
    for (int i = 0; i < 100; ++i) variance += (w[2 * i + a] - mean) * (w[2 * i + a] - mean) / 100;
    EXPECT_NEAR(sum, variance, 1e-4 * variance) << "axis " << a;
  }
  expect_matches_reference(c, w, 2, got, "zero-padded");
}

TEST(MotionFeatures, RandomWindowsAndOptionsMatchTheReference) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> coin(0, 1);
  for (int trial = 0; trial < 60; ++trial) {
    Config c;
    c.sample_rate = std::vector<double>{25, 50, 100, 104, 208, 400}[trial % 6];
    c.filter = trial % 3;
    c.cutoff_hz = c.filter == 1 ? c.sample_rate * 0.15 : c.sample_rate * 0.02;
    c.filter_init = coin(rng);
    c.mean = coin(rng), c.rms = coin(rng), c.std = coin(rng), c.p2p = coin(rng);
    c.fft_length = 16 << (trial % 5);
    c.fft_window = coin(rng);
    c.fft_bins = 1 + static_cast<int>(rng() % (c.fft_length / 2));
    c.peaks = static_cast<int>(rng() % 5);
    const int axes = 1 + static_cast<int>(rng() % 6);
    const int samples = 2 + static_cast<int>(rng() % 400);
    const std::vector<float> w = random_window(rng, samples, axes, c.sample_rate);
    const std::vector<float> got = run_features(c, w, axes);
    expect_matches_reference(c, w, axes, got, "trial " + std::to_string(trial));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(MotionFeatures, MissingPeaksAndSilenceAreDefined) {
  Config c;
  c.fft_length = 16;
  c.fft_bins = 2;
  c.peaks = 3;
  c.rms = true;
  const std::vector<float> got = run_features(c, std::vector<float>(20, 1.5f), 1);
  ASSERT_EQ(got.size(), 9u);
  const float floor_log = deterministic_log(kMotionLogFloor);
  EXPECT_EQ(got[0], 1.5f);
  EXPECT_EQ(got[1], floor_log);
  EXPECT_EQ(got[2], floor_log);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(got[3 + 2 * p], 0.0f);
    EXPECT_EQ(got[4 + 2 * p], floor_log);
  }
}

TEST(MotionFeatures, NanInputsGiveOneNan) {
  Config c;
  c.mean = c.rms = c.p2p = true;
  c.fft_length = 16;
  c.fft_bins = 2;
  c.peaks = 1;
  std::vector<float> w(32, 1.0f);
  w[20] = -NAN;  // inside the 16 newest samples, which the FFT takes
  w[25] = INFINITY;
  const std::vector<float> got = run_features(c, w, 1);
  ASSERT_EQ(got.size(), 7u);
  // mean, rms and the bands are NaN; p2p skips the NaN (comparisons with it are false) and sees
  // the infinity; no bin is a peak.
  for (float v : {got[0], got[1], got[3], got[4]})
    EXPECT_EQ(std::bit_cast<uint32_t>(v), 0x7FC00000u);
  EXPECT_EQ(got[2], INFINITY);
  EXPECT_EQ(got[5], 0.0f);
  EXPECT_EQ(got[6], deterministic_log(kMotionLogFloor));
}

TEST(MotionFilter, NansItMakesAreOneNan) {
  // An infinity makes inf - inf in the filter's state: x86 would give a NaN with the sign set.
  std::vector<float> w(40, 1.0f);
  w[7] = INFINITY;
  const std::vector<float> y = run_filter(w, 2, 100, 1, 10, 1);
  ASSERT_EQ(y.size(), w.size());
  int nans = 0;
  for (float v : y) {
    if (std::isnan(v)) {
      EXPECT_EQ(std::bit_cast<uint32_t>(v), 0x7FC00000u);
      ++nans;
    }
  }
  EXPECT_GT(nans, 0);
}

// ---- validation ----

struct BadCase {
  const char* what;
  std::vector<uint8_t> options;
  const char* message;
};

void expect_refused(const std::vector<uint8_t>& model, const std::string& message,
                    const std::string& what) {
  const LoadResult r = load_model(model);
  EXPECT_NE(r.status, Status::kOk) << what;
  EXPECT_NE(r.message.find(message), std::string::npos)
      << what << ": message '" << r.message << "' should mention '" << message << "'";
}

TEST(MotionFeatures, EveryBadOptionIsRefusedWithAMessage) {
  auto with = [](const FlexFill& extra) {
    return flex_map([&](flexbuffers::Builder& fb) {
      fb.Int("sample_rate", 100);
      fb.Bool("rms", true);
      extra(fb);
    });
  };
  const std::vector<BadCase> cases = {
      {"no options", {}, "FlexBuffers map"},
      {"garbage options", {1, 2, 3, 4, 5}, "FlexBuffers map"},
      {"missing sample_rate", flex_map([](flexbuffers::Builder& fb) { fb.Bool("rms", true); }),
       "'sample_rate' is missing"},
      {"sample_rate 0",
       flex_map([](flexbuffers::Builder& fb) { fb.Float("sample_rate", 0), fb.Bool("rms", true); }),
       "'sample_rate' is out of range"},
      {"sample_rate NaN",
       flex_map([](flexbuffers::Builder& fb) { fb.Double("sample_rate", NAN), fb.Bool("rms", 1); }),
       "'sample_rate' is out of range"},
      {"sample_rate a string", flex_map([](flexbuffers::Builder& fb) {
         fb.String("sample_rate", "100"), fb.Bool("rms", 1);
       }),
       "'sample_rate' is missing or not a number"},
      {"filter 3", with([](auto& fb) { fb.Int("filter", 3); }), "'filter' is 3"},
      {"filter -1", with([](auto& fb) { fb.Int("filter", -1); }), "'filter' is -1"},
      {"filter without cutoff", with([](auto& fb) { fb.Int("filter", 1); }),
       "'cutoff_hz' is missing"},
      {"cutoff at Nyquist", with([](auto& fb) { fb.Int("filter", 1), fb.Int("cutoff_hz", 50); }),
       "'cutoff_hz' must"},
      {"cutoff too low", with([](auto& fb) { fb.Int("filter", 2), fb.Float("cutoff_hz", 0.005f); }),
       "'cutoff_hz' must"},
      {"cutoff NaN", with([](auto& fb) { fb.Int("filter", 2), fb.Float("cutoff_hz", NAN); }),
       "'cutoff_hz' is out of range"},
      {"cutoff without filter", with([](auto& fb) { fb.Int("cutoff_hz", 5); }),
       "'cutoff_hz' is given without a filter"},
      {"filter_init 2", with([](auto& fb) { fb.Int("filter_init", 2); }), "'filter_init' is 2"},
      {"mean 2", with([](auto& fb) { fb.Int("mean", 2); }), "'mean' is 2"},
      {"std a string", with([](auto& fb) { fb.String("std", "yes"); }), "'std' is missing or not"},
      {"fft_length 100", with([](auto& fb) { fb.Int("fft_length", 100); }),
       "'fft_length' must be a power of two"},
      {"fft_length 8", with([](auto& fb) { fb.Int("fft_length", 8); }), "'fft_length' is 8"},
      {"fft_length 8192", with([](auto& fb) { fb.Int("fft_length", 8192); }),
       "'fft_length' is 8192"},
      {"fft_bins over half the FFT",
       with([](auto& fb) { fb.Int("fft_length", 64), fb.Int("fft_bins", 33); }),
       "'fft_bins' is 33, expected 0..32"},
      {"fft_bins without fft_length", with([](auto& fb) { fb.Int("fft_bins", 4); }),
       "'fft_bins' is 4, expected 0..0"},
      {"peaks 17", with([](auto& fb) { fb.Int("fft_length", 64), fb.Int("peaks", 17); }),
       "'peaks' is 17"},
      {"peaks without fft_length", with([](auto& fb) { fb.Int("peaks", 1); }),
       "'peaks' needs option 'fft_length'"},
      {"fft_window 2", with([](auto& fb) { fb.Int("fft_window", 2); }), "'fft_window' is 2"},
      {"a misspelt key", with([](auto& fb) { fb.Int("fft_bin", 4); }), "does not know"},
      {"no feature",
       flex_map([](flexbuffers::Builder& fb) { fb.Int("sample_rate", 100), fb.Bool("mean", 0); }),
       "select no feature"},
  };
  for (const BadCase& bad : cases) {
    expect_refused(one_op_model("TinyforgeMotionFeatures", 50, 3, 3, bad.options), bad.message,
                   bad.what);
  }
  // The operator is named in the message.
  const LoadResult r =
      load_model(one_op_model("TinyforgeMotionFeatures", 50, 3, 3, cases[6].options));
  EXPECT_NE(r.message.find("TinyforgeMotionFeatures"), std::string::npos) << r.message;
}

TEST(MotionFeatures, EveryBadShapeOrDtypeIsRefusedWithAMessage) {
  Config c;
  c.rms = true;
  const auto options = c.options();
  auto model = [&](DataType in_type, std::vector<int32_t> in_shape, DataType out_type,
                   std::vector<int32_t> out_shape, int extra_inputs = 0) {
    ModelBuilder b;
    std::vector<int> inputs = {b.add_input(in_type, in_shape)};
    for (int i = 0; i < extra_inputs; ++i) inputs.push_back(b.add_input(in_type, in_shape));
    const int out = b.add_tensor(out_type, out_shape);
    b.add_custom_op("TinyforgeMotionFeatures", inputs, {out}, options);
    return b.finish();
  };
  constexpr DataType f = DataType::kFloat32;
  expect_refused(model(DataType::kInt8, {50, 3}, f, {3}), "input must be float32", "int8 input");
  expect_refused(model(f, {150}, f, {3}), "[window, axes]", "rank 1");
  expect_refused(model(f, {2, 50, 3}, f, {3}), "[window, axes]", "batch 2");
  expect_refused(model(f, {1, 1, 50, 3}, f, {3}), "[window, axes]", "rank 4");
  expect_refused(model(f, {1, 3}, f, {3}), "window is 1 samples", "window 1");
  // Empty dimensions: the verifier refuses them before the kernel sees them.
  expect_refused(model(f, {0, 3}, f, {3}), "dimension 0 is 0", "window 0");
  expect_refused(model(f, {70000, 1}, f, {1}), "window is 70000", "window too long");
  expect_refused(model(f, {50, 65}, f, {65}), "65 axes", "too many axes");
  expect_refused(model(f, {50, 0}, f, {0}), "dimension 1 is 0", "no axes");
  expect_refused(model(f, {50, 3}, DataType::kInt8, {3}), "output must be float32", "int8 output");
  expect_refused(model(f, {50, 3}, f, {4}), "output has 4 elements, expected 3", "output size");
  expect_refused(model(f, {50, 3}, f, {3}, 1), "expected 1 inputs", "two inputs");
  // The same window as [1, window, axes] with a [1, F] output is fine.
  EXPECT_EQ(load_model(model(f, {1, 50, 3}, f, {1, 3})).status, Status::kOk);
}

TEST(MotionFilter, EveryBadOptionOrShapeIsRefusedWithAMessage) {
  auto options = [](const FlexFill& fill) { return flex_map(fill); };
  auto model = [](std::vector<uint8_t> opts, std::vector<int32_t> out_shape = {50, 3}) {
    ModelBuilder b;
    const int in = b.add_input(DataType::kFloat32, {50, 3});
    const int out = b.add_tensor(DataType::kFloat32, out_shape);
    b.add_custom_op("TinyforgeMotionFilter", {in}, {out}, std::move(opts));
    return b.finish();
  };
  const auto good = options(
      [](auto& fb) { fb.Int("sample_rate", 100), fb.Int("filter", 1), fb.Int("cutoff_hz", 10); });
  EXPECT_EQ(load_model(model(good)).status, Status::kOk);
  expect_refused(model(good, {50, 2}), "output's shape differs", "output shape");
  expect_refused(model(options([](auto& fb) { fb.Int("sample_rate", 100); })),
                 "'filter' is missing", "no filter");
  expect_refused(model(options([](auto& fb) {
                   fb.Int("sample_rate", 100), fb.Int("filter", 0), fb.Int("cutoff_hz", 10);
                 })),
                 "'filter' is 0, expected 1..2", "filter none");
  expect_refused(model(options([](auto& fb) {
                   fb.Int("sample_rate", 100), fb.Int("filter", 1), fb.Int("cutoff_hz", 10),
                       fb.Bool("rms", true);
                 })),
                 "does not know", "a feature option");
  expect_refused(model(options([](auto& fb) {
                   fb.Int("sample_rate", 100000), fb.Int("filter", 1), fb.Int("cutoff_hz", 60000);
                 })),
                 "'cutoff_hz' is out of range", "cutoff over 50 kHz");
}

// The seed the model fuzz target starts from (scripts/fuzz) still loads and runs, so fuzzing
// reaches the motion kernels' prepare() and eval(). It holds a [64, 3] window into
// TinyforgeMotionFeatures (50 Hz, high-pass at 1 Hz, the four statistics, FFT 64, 8 bands, 2
// peaks) and TinyforgeMotionFilter (low-pass at 10 Hz), built with this file's Config and
// ModelBuilder.
TEST(MotionFeatures, FuzzSeedModelRuns) {
  const fs::path seed = deploy::source_root() / "tests/fuzz/model_seeds/motion.tflite";
  const std::vector<uint8_t> model = host::read_file(seed);
  const RunResult r = run_model(model, {std::vector<uint8_t>(64 * 3 * 4, 0)});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.outputs.size(), 2u);
}

// ---- the same bytes on the boards ----

// Three operators over one [200, 3] window: the typical features (high-pass, Hann, FFT 256, 8
// bands, 3 peaks), a low-pass filter, and an unwindowed FFT of 64 (the window cut to its newest
// 64 samples) behind a low-pass.
Config typical_config() {
  Config c;
  c.sample_rate = 100;
  c.filter = 2;
  c.cutoff_hz = 0.5;
  c.mean = c.rms = c.std = c.p2p = true;
  c.fft_length = 256;
  c.fft_bins = 8;
  c.peaks = 3;
  return c;
}

std::vector<uint8_t> board_model(int window, int axes) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, window, axes});
  const Config typical = typical_config();
  const int features = b.add_tensor(DataType::kFloat32, {1, axes * typical.per_axis()});
  b.add_custom_op("TinyforgeMotionFeatures", {in}, {features}, typical.options());
  const int filtered = b.add_tensor(DataType::kFloat32, {1, window, axes});
  b.add_custom_op("TinyforgeMotionFilter", {in}, {filtered}, flex_map([](flexbuffers::Builder& fb) {
                    fb.Double("sample_rate", 104), fb.Int("filter", 1), fb.Double("cutoff_hz", 7.5),
                        fb.Int("filter_init", 0);
                  }));
  Config cut;
  cut.sample_rate = 104;
  cut.filter = 1;
  cut.cutoff_hz = 20;
  cut.fft_length = 64;
  cut.fft_window = 0;
  cut.fft_bins = 32;
  cut.peaks = 16;
  cut.rms = true;
  const int spectral = b.add_tensor(DataType::kFloat32, {axes * cut.per_axis()});
  b.add_custom_op("TinyforgeMotionFeatures", {in}, {spectral}, cut.options());
  b.add_output(features);
  b.add_output(filtered);
  b.add_output(spectral);
  return b.finish();
}

TEST(MotionFeatures, OutputsAreByteIdenticalOnTheBoards) {
  TINYFORGE_REQUIRE_QEMU();
  constexpr int kWindow = 200, kAxes = 3, kSamples = 6;
  const std::vector<uint8_t> model = board_model(kWindow, kAxes);
  std::mt19937 rng(99);
  std::vector<uint8_t> inputs;
  std::vector<std::vector<uint8_t>> expected(3);
  for (int s = 0; s < kSamples; ++s) {
    std::vector<float> w = random_window(rng, kWindow, kAxes, 100);
    if (s == 4) {
      // Subnormals, huge values and a NaN: IEEE special cases must agree too.
      for (int i = 0; i < kWindow; ++i) w[i * kAxes] = 1e-39f * static_cast<float>(i % 7);
      w[10 * kAxes + 1] = 3e38f;
      w[30 * kAxes + 1] = INFINITY;  // inf - inf in the filter: x86 and Arm make different NaNs
      w[20 * kAxes + 2] = NAN;
    }
    if (s == 5) std::fill(w.begin(), w.end(), 0.0f);
    const std::vector<uint8_t> bytes = to_bytes(w);
    inputs.insert(inputs.end(), bytes.begin(), bytes.end());
    const RunResult host = run_model(model, {bytes});
    ASSERT_EQ(host.status, Status::kOk) << host.message;
    for (int o = 0; o < 3; ++o)
      expected[o].insert(expected[o].end(), host.outputs[o].begin(), host.outputs[o].end());
  }
  const host::TempDir temp("tinyforge-motion-");
  host::write_file(temp.path() / "motion.tflite", model.data(), model.size());
  host::write_file(temp.path() / "windows.bin", inputs.data(), inputs.size());
  for (const char* board : {"mps2-an386", "mps3-an547", "mps2-an500"}) {
    const deploy::BoardRun run = deploy::run_model_on_board(
        board, temp.path() / "motion.tflite", {temp.path() / "windows.bin"}, 600, kSamples);
    ASSERT_EQ(run.outputs.size(), 3u) << board;
    for (int o = 0; o < 3; ++o) {
      ASSERT_EQ(run.outputs[o].size(), expected[o].size()) << board << " output " << o;
      for (size_t i = 0; i < expected[o].size(); i += 4) {
        ASSERT_EQ(std::memcmp(&run.outputs[o][i], &expected[o][i], 4), 0)
            << board << ": output " << o << ", sample "
            << i / 4 / (expected[o].size() / 4 / kSamples) << ", float "
            << i / 4 % (expected[o].size() / 4 / kSamples) << " differs from the host";
      }
    }
  }
}

// The instructions of the typical setting (3 axes, 100 Hz, 2 s window, FFT 256, 8 bands, 3 peaks,
// all statistics, high-pass) per window on the Cortex-M4F, for the record (never asserted).
TEST(MotionFeatures, InstructionsPerWindowOnMps2An386) {
  TINYFORGE_REQUIRE_QEMU();
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {200, 3});
  const Config c = typical_config();
  const int out = b.add_tensor(DataType::kFloat32, {3 * c.per_axis()});
  b.add_custom_op("TinyforgeMotionFeatures", {in}, {out}, c.options());
  const std::vector<uint8_t> model = b.finish();
  std::mt19937 rng(1);
  const std::vector<uint8_t> window = to_bytes(random_window(rng, 200, 3, 100));
  const host::TempDir temp("tinyforge-motion-insn-");
  host::write_file(temp.path() / "m.tflite", model.data(), model.size());
  host::write_file(temp.path() / "w.bin", window.data(), window.size());
  const deploy::BoardRun run =
      deploy::run_model_on_board("mps2-an386", temp.path() / "m.tflite", {temp.path() / "w.bin"});
  EXPECT_EQ(run.outputs.at(0), run_model(model, {window}).outputs.at(0));
  EXPECT_GT(run.instructions, 0u);
  std::cout << "[ motion   ] mps2-an386, 3 axes x 200 samples, high-pass, 4 statistics, FFT 256, "
               "8 bands, 3 peaks: "
            << run.instructions << " instructions per window\n";
}

}  // namespace
}  // namespace tinyforge::testing
