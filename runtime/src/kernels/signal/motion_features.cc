// TinyforgeMotionFeatures: one float32 feature vector per [window, axes] window of motion samples:
// per axis the raw mean, then over the filtered samples RMS, standard deviation, peak-to-peak,
// log band energies and spectral peaks (signal/motion_features.h has the options and the layout).
// Float arithmetic in a fixed order, log and twiddles without libm: the same bits on every target.
#include <string.h>

#include "format/custom_ops.h"
#include "kernels/kernel.h"
#include "signal/custom_options.h"
#include "signal/deterministic_math.h"
#include "signal/motion_features.h"
#include "signal/motion_options.h"
#include "signal/rfft_f32.h"

namespace tinyforge {
namespace {

struct FeaturesData {
  signal::MotionWindow window;
  signal::MotionFilter filter;
  MotionFeatureSet set;
  int32_t per_axis;
  int32_t fft_length;   // 0 without spectral features
  int32_t fft_samples;  // U = min(window, fft_length): the newest samples
  bool hann;
  float energy_scale;  // 1 / (fft_length * sum(w^2))
  float bin_hz;        // sample_rate / fft_length
  // Followed by fft_length twiddle floats, then U Hann weights.
};

constexpr size_t kHeaderBytes = (sizeof(FeaturesData) + 7) / 8 * 8;

const float* twiddles(const FeaturesData& d) {
  return reinterpret_cast<const float*>(reinterpret_cast<const uint8_t*>(&d) + kHeaderBytes);
}

const char* const kKeys[] = {"sample_rate", "filter",     "cutoff_hz", "filter_init",
                             "mean",        "rms",        "std",       "p2p",
                             "fft_length",  "fft_window", "fft_bins",  "peaks"};

[[gnu::cold]] Status read_feature_set(PrepareContext& ctx, const FlexbufferMap& options,
                                      MotionFeatureSet* set, int32_t* fft_length, bool* hann) {
  int32_t flags[4], window;
  const char* names[] = {"mean", "rms", "std", "p2p"};
  Status s;
  for (int i = 0; i < 4; ++i) {
    if ((s = signal::optional_int_option(ctx, options, names[i], 0, 1, 0, &flags[i])) !=
        Status::kOk)
      return s;
  }
  *set = {flags[0] != 0, flags[1] != 0, flags[2] != 0, flags[3] != 0, 0, 0};
  if ((s = signal::optional_int_option(ctx, options, "peaks", 0, kMaxMotionPeaks, 0,
                                       &set->peaks)) != Status::kOk ||
      (s = signal::optional_int_option(ctx, options, "fft_window", 0, 1, 1, &window)) !=
          Status::kOk ||
      (s = signal::optional_int_option(ctx, options, "fft_length", kMinRfftF32Length,
                                       kMaxRfftF32Length, 0, fft_length)) != Status::kOk)
    return s;
  *hann = window == 1;
  if (*fft_length != 0 && !rfft_f32_length_supported(*fft_length))
    return ctx.fail(Status::kUnsupported, "option 'fft_length' must be a power of two");
  if ((s = signal::optional_int_option(ctx, options, "fft_bins", 0, *fft_length / 2, 0,
                                       &set->fft_bins)) != Status::kOk)
    return s;
  if (set->peaks > 0 && *fft_length == 0)
    return ctx.fail(Status::kMalformedModel, "option 'peaks' needs option 'fft_length'");
  if (set->fft_bins == 0 && set->peaks == 0) *fft_length = 0;  // no spectrum to compute
  if (motion_features_per_axis(*set) == 0)
    return ctx.fail(Status::kMalformedModel, "the options select no feature");
  return Status::kOk;
}

[[gnu::cold]] void fill_tables(FeaturesData* d) {
  float* table = const_cast<float*>(twiddles(*d));
  rfft_f32_twiddles(d->fft_length, table);
  float* hann = table + d->fft_length;
  double power = 0;
  for (int32_t i = 0; i < d->fft_samples; ++i) {
    double sine, cosine;
    sin_cos_of_turn(i, d->fft_samples, &sine, &cosine);
    const float w = d->hann ? static_cast<float>(0.5 - 0.5 * cosine) : 1.0f;
    hann[i] = w;
    power += static_cast<double>(w) * w;
  }
  d->energy_scale = static_cast<float>(1.0 / (static_cast<double>(d->fft_length) * power));
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (!kWithFloat32) return ctx.fail(Status::kUnsupported, "float32 is left out of this build");
  Status s = signal::expect_operands(ctx, 1, 1);
  if (s != Status::kOk) return s;
  const TensorView input = ctx.input(0), output = ctx.output(0);
  FeaturesData d;
  if ((s = signal::read_motion_window(ctx, input, &d.window)) != Status::kOk ||
      (s = signal::expect_tensor(ctx, output, "output", DataType::kFloat32, -1)) != Status::kOk)
    return s;
  FlexbufferMap options;
  double sample_rate;
  if ((s = signal::read_options(ctx, &options)) != Status::kOk ||
      (s = signal::expect_known_keys(ctx, options, kKeys, sizeof(kKeys) / sizeof(kKeys[0]))) !=
          Status::kOk ||
      (s = signal::read_motion_filter(ctx, options, /*require_filter=*/false, &sample_rate,
                                      &d.filter)) != Status::kOk ||
      (s = read_feature_set(ctx, options, &d.set, &d.fft_length, &d.hann)) != Status::kOk)
    return s;
  d.per_axis = motion_features_per_axis(d.set);
  if ((s = signal::expect_elements(
           ctx, output, "output", static_cast<int64_t>(d.window.axes) * d.per_axis)) != Status::kOk)
    return s;
  d.fft_samples = d.window.samples < d.fft_length ? d.window.samples : d.fft_length;
  d.bin_hz = d.fft_length > 0 ? static_cast<float>(sample_rate / d.fft_length) : 0.0f;
  d.energy_scale = 0;
  // Scratch: one axis's filtered samples, then the FFT frame and the bin energies.
  const int32_t spectrum_floats = d.fft_length > 0 ? d.fft_length + d.fft_length / 2 + 1 : 0;
  ctx.request_scratch(sizeof(float) * (static_cast<size_t>(d.window.samples) + spectrum_floats));
  const size_t table_floats = d.fft_length > 0 ? d.fft_length + d.fft_samples : 0;
  auto* data = static_cast<FeaturesData*>(
      ctx.allocate_persistent(kHeaderBytes + sizeof(float) * table_floats));
  if (ctx.sizing()) return Status::kOk;
  *data = d;
  if (d.fft_length > 0) fill_tables(data);
  return Status::kOk;
}

// Sum, sum of squares and extremes of y in index order.
struct Moments {
  float sum, squares, low, high;
};

Moments moments(const float* y, int32_t n) {
  Moments m = {0.0f, 0.0f, y[0], y[0]};
  for (int32_t i = 0; i < n; ++i) {
    const float v = y[i];
    m.sum += v;
    m.squares += v * v;
    if (v < m.low) m.low = v;
    if (v > m.high) m.high = v;
  }
  return m;
}

float log_energy(float e) { return deterministic_log(e + kMotionLogFloor); }

// Frequency and log energy of the `count` strongest local maxima of energy[1 .. half].
void write_peaks(const float* energy, int32_t half, int32_t count, float bin_hz, float* out) {
  int32_t best[kMaxMotionPeaks];
  int32_t found = 0;
  for (int32_t k = 1; k <= half; ++k) {
    const float e = energy[k];
    if (!(e > energy[k - 1]) || (k < half && !(e >= energy[k + 1]))) continue;
    // Insert by energy, descending; an equal energy stays behind (the lower bin first).
    int32_t at = found;
    while (at > 0 && e > energy[best[at - 1]]) --at;
    if (at >= count) continue;
    for (int32_t j = (found < count ? found : count - 1); j > at; --j) best[j] = best[j - 1];
    best[at] = k;
    if (found < count) ++found;
  }
  for (int32_t p = 0; p < count; ++p) {
    float frequency = 0.0f, height = log_energy(0.0f);
    if (p < found) {
      const int32_t k = best[p];
      const float centre = log_energy(energy[k]);
      float offset = 0.0f;
      height = centre;
      if (k < half) {
        // The vertex of the parabola through the three log energies.
        const float left = log_energy(energy[k - 1]), right = log_energy(energy[k + 1]);
        const float curvature = left - 2.0f * centre + right;
        if (curvature < 0.0f) {
          offset = 0.5f * (left - right) / curvature;
          offset = offset < -0.5f ? -0.5f : offset > 0.5f ? 0.5f : offset;
          height = centre - 0.25f * (left - right) * offset;
        }
      }
      frequency = (static_cast<float>(k) + offset) * bin_hz;
    }
    out[2 * p] = frequency;
    out[2 * p + 1] = height;
  }
}

// Band energies and peaks of the newest fft_samples values of y.
void spectral_features(const FeaturesData& d, const float* y, float* frame, float* energy,
                       float* out) {
  const int32_t n = d.fft_length, used = d.fft_samples, half = n / 2;
  const float* segment = y + (d.window.samples - used);
  float sum = 0.0f;
  for (int32_t i = 0; i < used; ++i) sum += segment[i];
  const float mean = sum / static_cast<float>(used);
  const float* table = twiddles(d);
  const float* hann = table + n;
  for (int32_t i = 0; i < used; ++i) frame[i] = (segment[i] - mean) * hann[i];
  memset(frame + used, 0, sizeof(float) * (n - used));
  rfft_f32_power(table, n, frame, energy);
  const float scale = d.energy_scale, twice = 2.0f * d.energy_scale;
  energy[0] *= scale;
  for (int32_t k = 1; k < half; ++k) energy[k] *= twice;
  energy[half] *= scale;
  const int32_t bands = d.set.fft_bins;
  for (int32_t b = 0; b < bands; ++b) {
    float band = 0.0f;
    const int32_t end = motion_band_start(b + 1, bands, n);
    for (int32_t k = motion_band_start(b, bands, n); k < end; ++k) band += energy[k];
    *out++ = log_energy(band);
  }
  if (d.set.peaks > 0) write_peaks(energy, half, d.set.peaks, d.bin_hz, out);
}

Status eval(EvalContext& ctx) {
  if constexpr (kWithFloat32) {
    const FeaturesData& d = *ctx.persistent<FeaturesData>();
    const float* in = ctx.input(0).as<float>();
    float* const out = ctx.output(0).as<float>();
    const int32_t samples = d.window.samples, axes = d.window.axes;
    float* y = static_cast<float*>(ctx.scratch());
    float* frame = y + samples;
    float* energy = frame + d.fft_length;
    const float count = static_cast<float>(samples);
    for (int32_t a = 0; a < axes; ++a) {
      float* o = out + static_cast<int64_t>(a) * d.per_axis;
      if (d.set.mean) {
        float sum = 0.0f;
        for (int32_t i = 0; i < samples; ++i) sum += in[static_cast<int64_t>(i) * axes + a];
        *o++ = sum / count;
      }
      if (d.filter.kind != FilterKind::kNone) {
        biquad_filter(d.filter.biquad, in + a, axes, samples, d.filter.steady_start, y);
      } else {
        for (int32_t i = 0; i < samples; ++i) y[i] = in[static_cast<int64_t>(i) * axes + a];
      }
      if (d.set.rms || d.set.std || d.set.p2p) {
        const Moments m = moments(y, samples);
        if (d.set.rms) *o++ = __builtin_sqrtf(m.squares / count);
        if (d.set.std) {
          // Two passes: the deviations from the mean, not sum(y^2) - n mean^2, which cancels.
          const float mean = m.sum / count;
          float deviations = 0.0f;
          for (int32_t i = 0; i < samples; ++i) {
            const float v = y[i] - mean;
            deviations += v * v;
          }
          *o++ = __builtin_sqrtf(deviations / count);
        }
        if (d.set.p2p) *o++ = m.high - m.low;
      }
      if (d.fft_length > 0) spectral_features(d, y, frame, energy, o);
    }
    const int64_t total = static_cast<int64_t>(axes) * d.per_axis;
    for (int64_t i = 0; i < total; ++i) out[i] = canonical_nan(out[i]);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_TinyforgeMotionFeatures = {
    custom_op_code(CustomOp::kTinyforgeMotionFeatures), 1, 1, prepare, eval, false};

}  // namespace tinyforge
